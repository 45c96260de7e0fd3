-- Nothing to do: 0007 already indexes LOWER(client_ref) on PostgreSQL.
SELECT 1;
