"""The whole platform on one machine: an embedded AWS-compatible endpoint (moto), the resources of
infra/template.yaml, every function app behind one port, event sources, schedules and partner sandboxes."""
