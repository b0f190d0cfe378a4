"""The Celery worker. `stack_worker.contract` is the part the API may import."""
