"""The database schema as a whole: Alembic's environment and the registry of every floor's
models live on the top floor, the only one allowed to import them all.  The revision files
stay beside the ground floor's models in ``infra/migrations/versions/`` (Alembic's
``version_locations``)."""
