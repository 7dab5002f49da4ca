"""Build the demo site (乾县图书馆); see cms/demo.py. Safe to run again: it only adds what is missing."""

import os

from django.core.management.base import BaseCommand, CommandError

from cms.demo import CREATED, PRESENT, SKIPPED, DemoError, load_demo


def _env(name):
    """An operator's input from the environment; an empty value counts as unset."""
    return os.environ.get(name) or None


class Command(BaseCommand):
    help = (
        "Build the demo site: columns, news items, the 2020 annual report with its chronicle, library settings "
        "and users. Existing objects are left unchanged. Environment: DEMO_ADMIN_USERNAME (default admin), "
        "DEMO_ADMIN_PASSWORD (generated and printed once when unset), DEMO_EDITOR_PASSWORD and "
        "DEMO_REVIEWER_PASSWORD (the users editor and reviewer are created only when these are set)."
    )

    def handle(self, *args, **options):
        try:
            result = load_demo(
                admin_username=_env("DEMO_ADMIN_USERNAME") or "admin",
                admin_password=_env("DEMO_ADMIN_PASSWORD"),
                editor_password=_env("DEMO_EDITOR_PASSWORD"),
                reviewer_password=_env("DEMO_REVIEWER_PASSWORD"),
            )
        except DemoError as exc:
            raise CommandError(str(exc)) from exc

        if options["verbosity"] >= 2:
            for outcome in result.outcomes:
                detail = f" ({outcome.detail})" if outcome.detail else ""
                self.stdout.write(f"  {outcome.kind}: {outcome.label}: {outcome.status}{detail}")

        self.stdout.write("Demo site:")
        for kind, counts in result.counts().items():
            line = f"  {kind}: {counts[CREATED]} created, {counts[PRESENT]} already present"
            if counts[SKIPPED]:
                line += f", {counts[SKIPPED]} skipped"
            self.stdout.write(line)
        for outcome in result.outcomes:
            if outcome.status == SKIPPED:
                self.stdout.write(f"Skipped {outcome.kind} {outcome.label}: {outcome.detail}.")

        for username, password in result.generated_passwords.items():
            self.stdout.write(
                self.style.WARNING(
                    "Created the superuser with a generated password. It is shown only this once; "
                    "note it now or change it in the admin:"
                )
            )
            self.stdout.write(f"  username: {username}")
            self.stdout.write(f"  password: {password}")

        created, present = result.total(CREATED), result.total(PRESENT)
        self.stdout.write(self.style.SUCCESS(f"Done: {created} created, {present} already present."))
