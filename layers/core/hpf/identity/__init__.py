"""Identity and access: who is calling (a Principal from a verified token) and what each role may do."""
