from django.apps import AppConfig


class Config(AppConfig):
    name = "parley.activity"
    label = "activity"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from parley.activity import folding

        # SQL's parley_casefold(): registered on each SQLite connection, kept current on
        # PostgreSQL (see folding.py).
        connection_created.connect(folding.register_sqlite, dispatch_uid="parley_casefold")
        post_migrate.connect(
            folding.ensure_postgres, sender=self, dispatch_uid="parley_casefold_pg"
        )
