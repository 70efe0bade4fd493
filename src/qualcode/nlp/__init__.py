"""Language processing for suggestions and discovery: matching keys, spaCy pipelines, the
token cache, rule matching and statistics. Nothing here imports spaCy at module level."""
