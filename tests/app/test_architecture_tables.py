"""One owner per table (issue 15, items 5 and 7): every INSERT, UPDATE, DELETE or REPLACE of a table
in `src/` is written in the one module that owns the table; other modules call its verbs or its
statement builders and put those statements in their own batch.

The check reads the source, not the database: every string literal of `src/**/*.py` (f-strings with
their `{...}` parts kept as text, docstrings skipped) is searched for write statements. A table name
written as `{expression}` is resolved through DYNAMIC; anything else unresolved fails. SQL inside
migrations (triggers) is out of scope: it is schema, not a module's code.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"

# table -> the module (dotted, under src/) that owns its writes.
OWNERS = {
    "api_tokens": "accounts.api_tokens",
    "audit_log": "core.records",
    "booking_embeds": "booking.embeds",
    "calling_hours": "leads.calling_hours",
    # The contractor network (issue 19).
    "cancel_reasons": "network.settings",
    "contractor_areas": "network.coverage",
    "contractor_job_types": "network.contractors",
    "contractor_secondary_partners": "network.contractors",
    "contractor_secondary_zips": "network.contractors",
    "contractors": "network.contractors",
    "job_partners": "network.settings",
    "job_settings": "network.settings",
    "job_tags": "network.settings",
    "job_types": "network.settings",
    "priority_zone_contractors": "network.zones",
    "priority_zones": "network.zones",
    "service_areas": "network.areas",
    "cron_leases": "cron.__init__",
    # Jobs and dispatch (issue 20).
    "job_counter": "jobs.record",
    "job_events": "jobs.record",
    "job_tag_links": "jobs.record",
    "jobs": "jobs.record",
    # Issue 20, second half: Auto Status Change's rule, the Workiz import's batches.
    "job_auto_rules": "jobs.auto_status",
    "job_imports": "jobs.workiz",
    "job_import_rows": "jobs.workiz",
    "customer_addresses": "customers.addresses",
    "customer_contacts": "customers.contacts",
    "customer_files": "customers.files",
    "customer_notes": "customers.notes",
    "customer_secure_access": "customers.secure_access",
    "customer_tags": "customers.tags",
    "customers": "customers.record",
    "d1_migrations": "core.storage.migrations",
    "intake_keys": "leads.intake",
    "intake_quarantine": "leads.intake",
    "lead_payloads": "leads.intake",
    "lead_photos": "leads.photos",
    "lead_settings": "leads.settings",
    "lead_sources": "leads.sources",
    "lead_terms": "leads.search",
    "lead_terms_pending": "leads.search",
    # issue 17: tracking-source routes, edited by the owner
    "tracking_sources": "leads.tracking_sources",
    "leads": "leads.record",
    "offices": "accounts.offices",
    # issue 21: the outbox and email
    "outbox": "core.outbox",
    "outbox_attempts": "core.outbox",
    # issue 22: outbound webhooks (lead_events is the automations block's, below)
    "webhook_endpoints": "webhooks.endpoints",
    "webhook_deliveries": "webhooks.delivery",
    "webhook_daily": "webhooks.delivery",
    "webhook_cursors": "webhooks.jobs_feed",
    "partner_lead_urls": "webhooks.partner_urls",
    "email_identities": "messaging.identities",
    # issue 24: tickets and the assistant
    "tickets": "tickets.record",
    "ticket_entries": "tickets.entries",
    "ticket_summaries": "tickets.summaries",
    "ticket_jobs": "tickets.job_links",  # issue 24: linked jobs
    "assistant_settings": "assistant.settings",
    "assistant_conversations": "assistant.audit",
    "assistant_turns": "assistant.audit",
    "assistant_tool_calls": "assistant.audit",
    "dev_mailbox": "core.devmail",
    "open_records": "customers.open_records",
    # issue 23: tasks, recurring templates, emailed reports
    "tasks": "tasks.tasks",
    "task_templates": "tasks.recurring",
    "task_occurrences": "tasks.recurring",
    "report_email_settings": "tasks.report_emails",
    "report_email_sends": "tasks.report_emails",
    # FIN-8/FIN-10: Finance settings and the weekly payment summaries' stamps
    "finance_settings": "tasks.finance_settings",
    "finance_summary_sends": "tasks.payment_summaries",
    "quickbooks_changes": "quickbooks.webhook",
    "quickbooks_connection": "quickbooks.oauth",
    "quickbooks_import_runs": "quickbooks.importer",
    "quickbooks_import_steps": "quickbooks.importer",
    "quickbooks_match_decisions": "quickbooks.identity",
    "quickbooks_oauth_states": "quickbooks.oauth",
    "quickbooks_objects": "quickbooks.objects",
    "rate_counters": "core.throttle",
    "report_activity_days": "reports.rollups",
    "report_attempt_days": "reports.rollups",
    "report_customer_days": "reports.rollups",
    "report_job_days": "reports.rollups",  # the Jobs tab (issue 20)
    "report_job_facets": "reports.rollups",  # the Jobs tab's by type / source / contractor (issue 20, 0036)
    "report_lead_days": "reports.rollups",
    "report_leads_pending": "reports.rollups",
    "report_pipeline": "reports.rollups",
    "report_source_days": "reports.rollups",
    "report_zone_shifts": "reports.rollups",
    "report_zones": "reports.rollups",
    "sessions": "accounts.session_store",
    "snooze_sequences": "leads.snooze",
    # Technicians (issue 19): feed tokens, and the placeholder appointments the Jobs issue replaces.
    "technician_appointments": "network.appointments",
    "technician_calendar_tokens": "network.calendar",
    # Automations (issue 22); lead_events is written by the lead verbs in their own batches
    "lead_events": "leads.events",
    "automation_rules": "automations.rules",
    "automation_log": "automations.fire",
    "automation_state": "automations.rules",
    # SMS (issue 21)
    "lead_emails": "messaging.replies",
    "sms_change_stamps": "messaging.threads",
    "sms_consent_ledger": "messaging.consent",
    "sms_lines": "messaging.lines",
    "sms_messages": "messaging.threads",
    "sms_office_senders": "messaging.lines",
    "sms_suppressions": "messaging.consent",
    "sms_templates": "messaging.templates",
    "sms_threads": "messaging.threads",
    "timeline_entries": "core.records",
    "user_offices": "accounts.users",
    "users": "accounts.users",
    "write_guard": "core.records",
    # Account security (issue 17)
    "login_challenges": "accounts.second_step",
    "two_factor_roles": "accounts.two_factor",
    "user_recovery_codes": "accounts.two_factor",
    "user_totp": "accounts.two_factor",
}

# Writes whose table is an expression: (module, "{expression}") -> the tables it can name, or
# CALLER when the module is a helper that writes the table its caller passes (the write is then
# counted for each caller, found by CALLER_ARGS).
CALLER = "the caller's table"
DYNAMIC: dict[tuple[str, str], tuple[str, ...] | str] = {
    ("core.storage.migrations", "{TABLE}"): ("d1_migrations",),
    ("reports.rollups", "{table}"): (
        "report_lead_days",
        "report_source_days",
        "report_attempt_days",
        "report_pipeline",
        "report_activity_days",
        "report_customer_days",
        "report_job_days",
        "report_job_facets",
    ),
    ("core.storage.__init__", "{table}"): CALLER,
    ("network.settings", "{kind.table}"): ("job_types", "job_partners", "cancel_reasons", "job_tags"),
    ("network.contractors", "{table}"): (
        "contractor_job_types",
        "contractor_secondary_zips",
        "contractor_secondary_partners",
    ),
}
# Helpers that write a table named by their caller: function name -> index of the table argument.
CALLER_ARGS = {"drain_noted": 1}

# Writes outside the owner that stay for now, each with its reason. A stale entry fails too.
EXCEPTIONS: dict[tuple[str, str], str] = {}


_WRITE = re.compile(
    r"\b(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|REPLACE\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)\s+"
    r"(\{[^{}]*\}|[A-Za-z_]\w*)",
    re.IGNORECASE,
)
_TABLE = re.compile(r"\bCREATE\s+(?:VIRTUAL\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)", re.IGNORECASE)


def schema_tables() -> set[str]:
    tables = {m.lower() for f in (ROOT / "migrations").glob("*.sql") for m in _TABLE.findall(f.read_text())}
    return tables | {"d1_migrations"}


def _module(path: Path, src: Path) -> str:
    return ".".join(path.relative_to(src).with_suffix("").parts)


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _strings(tree: ast.AST) -> list[tuple[int, str]]:
    """Every string literal with its line; an f-string's `{...}` parts kept as their source text."""
    skip, found = _docstrings(tree), []
    inner = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip | inner:
            found.append((node.lineno, node.value))
        elif isinstance(node, ast.JoinedStr):
            text = "".join(
                v.value if isinstance(v, ast.Constant) else "{" + ast.unparse(v.value) + "}" for v in node.values
            )
            found.append((node.lineno, text))
    return found


def writes(src: Path = SRC) -> dict[str, dict[str, list[int]]]:
    """table -> module -> lines where that module writes it."""
    tables = schema_tables()
    found: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    unresolved = []
    for path in sorted(src.rglob("*.py")):
        module = _module(path, src)
        tree = ast.parse(path.read_text(), str(path))
        for line, text in _strings(tree):
            for match in _WRITE.finditer(text):
                name = match.group(1)
                if not name.startswith("{"):
                    if name.lower() in tables:  # "update the partner's URL" is prose, not SQL
                        found[name.lower()][module].append(line)
                    continue
                named = DYNAMIC.get((module, name))
                if named is None:
                    unresolved.append(f"{module}:{line} writes {name}")
                elif named != CALLER:
                    for table in named:
                        found[table][module].append(line)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                at = CALLER_ARGS.get(func)
                if at is not None and len(node.args) > at:
                    arg = node.args[at]
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        found[arg.value][module].append(node.lineno)
                    else:
                        unresolved.append(f"{module}:{node.lineno} passes a computed table to {func}")
    assert not unresolved, "Name the tables these writes reach (DYNAMIC or a literal):\n" + "\n".join(unresolved)
    return {t: dict(m) for t, m in found.items()}


def foreign_writes(found: dict[str, dict[str, list[int]]]) -> list[str]:
    problems = []
    for table, modules in sorted(found.items()):
        owner = OWNERS.get(table)
        if owner is None:
            problems.append(f"{table}: written by {sorted(modules)} but has no owner in OWNERS")
            continue
        for module, lines in sorted(modules.items()):
            if module != owner and (table, module) not in EXCEPTIONS:
                problems.append(f"{table}: written in {module} (lines {sorted(lines)}); its owner is {owner}")
    return problems


@pytest.fixture(scope="module")
def found() -> dict[str, dict[str, list[int]]]:
    return writes()


def test_every_write_is_in_its_tables_owner(found: dict[str, dict[str, list[int]]]) -> None:
    problems = foreign_writes(found)
    assert not problems, "Call the owner's verb or statement builder instead:\n" + "\n".join(problems)


def test_the_map_names_real_tables_and_modules() -> None:
    tables = schema_tables()
    modules = {_module(p, SRC) for p in SRC.rglob("*.py")}
    assert not set(OWNERS) - tables, f"not tables in migrations/: {sorted(set(OWNERS) - tables)}"
    assert not set(OWNERS.values()) - modules, f"no such modules: {sorted(set(OWNERS.values()) - modules)}"


def test_each_owner_does_write_its_table(found: dict[str, dict[str, list[int]]]) -> None:
    """An owner that no longer writes its table means the writes moved: move the entry with them."""
    idle = [f"{table} ({owner})" for table, owner in OWNERS.items() if owner not in found.get(table, {})]
    assert not idle, f"owners that write nothing of their table: {idle}"


def test_exceptions_are_still_needed(found: dict[str, dict[str, list[int]]]) -> None:
    stale = [key for key in EXCEPTIONS if key[1] not in found.get(key[0], {})]
    assert not stale, f"these writes are gone; delete their EXCEPTIONS entries: {stale}"


def test_the_check_sees_a_foreign_write(tmp_path: Path) -> None:
    """The scan itself: a raw INSERT into another module's table, also one split over an f-string,
    is reported; prose and docstrings are not."""
    pkg = tmp_path / "leads"
    pkg.mkdir()
    (pkg / "intruder.py").write_text(
        '"""UPDATE users SET nothing: a docstring."""\n'
        "def f(x):\n"
        '    note = "update the partner\'s webhook URL"\n'
        '    return (f"INSERT INTO audit_log (summary) VALUES ({x})", "DELETE FROM customers WHERE id = ?")\n'
    )
    found = writes(tmp_path)
    assert found == {"audit_log": {"leads.intruder": [4]}, "customers": {"leads.intruder": [4]}}
    assert foreign_writes(found) == [
        "audit_log: written in leads.intruder (lines [4]); its owner is core.records",
        "customers: written in leads.intruder (lines [4]); its owner is customers.record",
    ]
