from django_tasks import task

from parley.imports import services


@task()
def run_import(job_id: str):
    """Run or resume one import job (claimed by a conditional update: safe to run twice)."""
    services.run(job_id)


def sweep():
    """Periodic (parley worker): requeue imports whose worker died, prune old jobs."""
    services.sweep()
