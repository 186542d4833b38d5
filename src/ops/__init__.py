"""Operating a self-hosted Porchlight: backups and restore, database checks, table exports, the
owner's full export, and demo data."""
