"""Benchmark: 24 evaluation dossiers rendered by Celery worker processes on the Redis broker.

Builds its own data in the database it is pointed at (use a separate one), starts the workers,
and prints seconds per dossier, pages per second, the total, the reuse latency and the peak memory
of each worker process.
"""

import io
import os
import signal
import subprocess
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings
from django.utils import timezone
from pypdf import PdfWriter

from alliances import services as alliance_services
from alliances.models import (
    SECTION_FIELDS,
    Alliance,
    AllianceMembership,
    DocumentKind,
    EvaluationCycle,
    FundingRound,
    Strategy,
)
from decisions import services as decision_services
from dossiers import services
from dossiers.models import Dossier, DossierKind, DossierStatus
from dossiers.tasks import pdf_worker_command
from portal.celery import app as portal_celery
from portal.models import Role, User
from portal.uploads import check_now
from reviews import services as review_services
from reviews.models import ExpertProfile

ROOT = Path(settings.BASE_DIR)
PASSWORD = "bench-passwort-2024"  # noqa: S105 - throwaway accounts in a throwaway database


def _pdf(pages):
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


class Command(BaseCommand):
    help = "Misst die Erstellung von 24 Bewertungs-Dossiers mit Celery-Workern."

    def add_arguments(self, parser):
        parser.add_argument("--alliances", type=int, default=24)
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--timeout", type=int, default=300)

    def handle(self, *args, alliances, workers, timeout, **options):
        if not settings.REDIS_URL:
            raise CommandError("REDIS_URL muss gesetzt sein: der Benchmark misst echte Worker.")
        cycle = self._build(alliances)
        self._forget_dossiers_of_the_build()
        processes = [self._start_worker(number) for number in range(workers)]
        try:
            time.sleep(3)
            started = time.monotonic()
            dossiers = [
                services.request_dossier(kind=DossierKind.EVALUATION, cycle=cycle, strategy=strategy, force=True)
                for strategy in Strategy.objects.filter(cycle=cycle).order_by("alliance__name")
            ]
            ids = [dossier.pk for dossier in dossiers]
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                done = Dossier.objects.filter(pk__in=ids, status__in=[DossierStatus.READY, DossierStatus.FAILED])
                if done.count() == len(ids):
                    break
                time.sleep(0.2)
            total = time.monotonic() - started
            peaks = [self._peak_memory_mb(process.pid) for process in processes]
        finally:
            for process in processes:
                os.killpg(process.pid, signal.SIGTERM)
            for process in processes:
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
        results = list(Dossier.objects.filter(pk__in=ids).select_related("strategy__alliance"))
        self._report(results, total, peaks, cycle)
        self._strategy_dossier(cycle)

    @staticmethod
    def _forget_dossiers_of_the_build():
        """Building the data submits strategies and confirms decisions, which ask for dossiers of their own;
        the benchmark measures only the 24 it requests itself."""
        with portal_celery.connection_for_write() as connection:
            connection.default_channel.queue_purge("pdf")
        Dossier.objects.all().delete()

    def _strategy_dossier(self, cycle):
        strategy = Strategy.objects.filter(cycle=cycle).order_by("alliance__name").first()
        dossier = services.request_dossier(
            kind=DossierKind.STRATEGY, cycle=cycle, strategy=strategy, force=True, enqueue=False
        )
        dossier = services.render_dossier(dossier_id=dossier.pk)
        self.stdout.write(
            f"Strategie-Dossier: {dossier.page_count} Seiten in {dossier.render_seconds:.2f} s "
            f"(Ziel: höchstens 2 s für 20 Seiten)"
        )

    def _build(self, count):
        with override_settings(MAILERS={"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}):
            Dossier.objects.all().delete()
            funding_round, _ = FundingRound.objects.get_or_create(
                number=2, defaults={"name": "WIR! – zweite Förderrunde", "implementation_start": date(2021, 9, 9)}
            )
            cycle = EvaluationCycle.objects.filter(slug="bench").first()
            if cycle and Strategy.objects.filter(cycle=cycle).count() >= count:
                return cycle
            now = timezone.now()
            cycle = EvaluationCycle.objects.create(
                funding_round=funding_round,
                name="Benchmark",
                slug="bench",
                submission_opens_at=now - timezone.timedelta(days=10),
                submission_deadline=now + timezone.timedelta(days=10),
                review_deadline=now + timezone.timedelta(days=40),
                panel_deadline=now + timezone.timedelta(days=50),
                decision_deadline=now + timezone.timedelta(days=60),
                budget=Decimal("120000000"),
                first_funding_year=2025,
            )
            review_services.replace_rubric(
                cycle=cycle,
                criteria=review_services.parse_criteria_csv(
                    (ROOT / "reviews" / "data" / "criteria.csv").read_text(encoding="utf-8")
                ),
            )
            office = User.objects.create_user("bench-pt@bench.example", PASSWORD, role=Role.PROGRAMME_OFFICE)
            bmbf1 = User.objects.create_user("bench-bmbf1@bench.example", PASSWORD, role=Role.MINISTRY)
            bmbf2 = User.objects.create_user("bench-bmbf2@bench.example", PASSWORD, role=Role.MINISTRY)
            experts = []
            for number in range(6):
                expert = User.objects.create_user(
                    f"bench-expert{number}@bench.example",
                    PASSWORD,
                    role=Role.EXPERT,
                    full_name=f"Gutachter/in {number}",
                )
                ExpertProfile.objects.create(user=expert, affiliation=f"Institut {number}")
                experts.append(expert)
            policy = review_services.policy_for(cycle)
            policy.load_cap = count
            policy.save()
            text = "Das Bündnis entwickelt Vorhaben, Partnerschaften und Strukturen in der Region. " * 40
            for number in range(count):
                alliance = Alliance.objects.create(
                    slug=f"bench-{number}", name=f"Benchmark-Bündnis {number:02d}", innovation_field="Benchmark"
                )
                manager = User.objects.create_user(
                    f"bench-{number}@bench.example", PASSWORD, role=Role.ALLIANCE_MANAGER
                )
                AllianceMembership.objects.create(user=manager, alliance=alliance)
                strategy = Strategy.objects.create(cycle=cycle, alliance=alliance)
                fields = dict.fromkeys(SECTION_FIELDS, text)
                strategy = alliance_services.save_strategy_draft(
                    strategy=strategy,
                    user=manager,
                    sections=fields,
                    expected_version=strategy.version,
                    budget={(year, "personnel"): Decimal("1500000") for year in cycle.years},
                )
                document = alliance_services.add_strategy_document(
                    strategy=strategy,
                    user=manager,
                    kind=DocumentKind.MAIN,
                    uploaded_file=SimpleUploadedFile("Strategie.pdf", _pdf(6)),
                )
                check_now(document)
                alliance_services.submit_strategy(strategy=strategy, user=manager)
                for slot in range(3):
                    expert = experts[(number + slot) % len(experts)]
                    assignment = review_services.assign_expert(strategy=strategy, expert=expert, user=office)
                    review_services.declare_conflict(assignment=assignment, user=expert, has_conflict=False)
                    review = review_services.open_review(assignment=assignment, user=expert)
                    scores = {
                        c.pk: ((number + slot) % 4 + 2, False, "Begründung der Bewertung. " * 8)
                        for c in review.rubric.criteria.all()
                    }
                    review = review_services.save_review_draft(
                        review=review,
                        user=expert,
                        scores=scores,
                        expected_version=review.version,
                        fields={"recommendation": "fund", "strengths": text[:800], "weaknesses": text[:600]},
                    )
                    review_services.submit_review(review=review, user=expert)
                review_services.save_votum(
                    strategy=strategy,
                    user=office,
                    recommendation="fund",
                    proposed_amount=Decimal("4000000"),
                    conditions="",
                    summary=text[:900],
                )
                decision = decision_services.propose_decision(
                    strategy=strategy,
                    user=bmbf1,
                    outcome="approved",
                    granted_amount=Decimal("4000000"),
                    funding_start=date(2025, 4, 1),
                    funding_end=date(2028, 3, 31),
                    rationale=text[:500],
                )
                decision_services.confirm_decision(decision=decision, user=bmbf2)
            return cycle

    def _start_worker(self, number):
        env = {**os.environ, "DEBUG": os.environ.get("DEBUG", "1")}
        return subprocess.Popen(  # noqa: S603 - fixed arguments, our own interpreter
            pdf_worker_command(node_name=f"bench{number}@%h"),
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )

    @staticmethod
    def _peak_memory_mb(pid):
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            return None
        return None

    def _report(self, results, total, peaks, cycle):
        ready = [d for d in results if d.status == DossierStatus.READY]
        pages = sum(d.page_count or 0 for d in ready)
        for dossier in sorted(results, key=lambda d: d.strategy.alliance.name):
            self.stdout.write(
                f"{dossier.strategy.alliance.name:<28} {dossier.get_status_display():<10} "
                f"{dossier.page_count or 0:>4} Seiten {dossier.render_seconds or 0:>6.2f} s"
            )
        per_dossier = [d.render_seconds for d in ready if d.render_seconds]
        started = time.monotonic()
        strategy = results[0].strategy
        services.request_dossier(kind=DossierKind.EVALUATION, cycle=cycle, strategy=strategy)
        reuse_ms = (time.monotonic() - started) * 1000
        self.stdout.write("")
        self.stdout.write(f"Dossiers fertig: {len(ready)} von {len(results)}")
        self.stdout.write(f"Gesamtzeit: {total:.2f} s (Ziel: unter 60 s)")
        if per_dossier:
            self.stdout.write(
                f"Sekunden je Dossier: Mittel {sum(per_dossier) / len(per_dossier):.2f}, max. {max(per_dossier):.2f}"
            )
        self.stdout.write(f"Seiten: {pages}, {pages / total if total else 0:.1f} Seiten/s")
        self.stdout.write(f"Wiederholte Anfrage bei unveränderten Eingaben: {reuse_ms:.1f} ms (Ziel: unter 50 ms)")
        for number, peak in enumerate(peaks):
            self.stdout.write(
                f"Spitzenspeicher Worker {number}: {peak:.0f} MB (Ziel: höchstens 400 MB)"
                if peak
                else f"Spitzenspeicher Worker {number}: nicht messbar"
            )
