"""The HTTP edge shared by every area's Chalice app: authentication, roles, validation, errors, OpenAPI."""
