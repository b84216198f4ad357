"""Support modules: access, audit, security, uploads, the database and everything the areas share that is not
the schema (models.py) or the rules of the regulation (rules.py)."""
