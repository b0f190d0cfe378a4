"""The Celery worker. `stack_worker.contract` is the only part other packages
may import (a lint rule, `lint-imports`, holds it)."""
