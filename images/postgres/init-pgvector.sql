-- Runs once, as the superuser, in the application database, when the volume is
-- first initialised. pgvector is not a trusted extension, so the application
-- role could not create it; the migrations then find it present.
CREATE EXTENSION IF NOT EXISTS vector;
