"""The figures of the annual report, for a period and the whole organisation or one site.

``report_figures`` returns a ``ReportDocument`` of exact numbers, in a fixed number of
queries whatever the data (never one per person). Nothing here reads an encrypted column:
only the plain facts reports count (dates, statuses, birth year, nationality, channels).
Small counts are hidden afterwards (``reports.suppression``), before anything is stored.

Every table names its counting rule (``RULES``), printed in the report's appendix.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django_countries import countries

from cases.models import (
    Appointment,
    CaseNote,
    Participant,
    PathwayEntry,
    Referral,
    RightsDomain,
)
from dropin.models import (
    ActivityAttendance,
    ActivitySession,
    OpeningSession,
    OutreachRound,
    PeerGroupAttendance,
    PeerGroupSession,
    Presence,
    Service,
    ServiceGiven,
    Visit,
)
from lifeplans.models import Goal, GoalChange
from reports.document import Column, Headline, ReportDocument, Row, Rule, Section, Table
from safespace.roles import Role
from shelters.figures import shelter_figures
from shelters.models import BedNight, FollowUp, Stay

# the most frequent nationalities listed by name; the others are counted together
TOP_NATIONALITIES = 10
AGE_BANDS = (
    ("under_18", None, 17),
    ("18_25", 18, 25),
    ("26_35", 26, 35),
    ("36_50", 36, 50),
    ("over_50", 51, None),
)


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # included

    @property
    def start_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def end_before(self) -> datetime:
        """The first moment after the period (its end day included)."""
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))


def _rule_texts() -> dict[str, tuple[str, str]]:
    """key -> (title, how it is counted), in the active language."""
    return {
        "people.supported": (
            _("People supported"),
            _(
                "Distinct people with a file who received any recorded support during the "
                "period: a drop-in visit, a service given, a case note, an appointment that "
                "took place, a referral made, a night in our housing, attendance at an "
                "activity or a peer-group session, a follow-up after a stay, a new status on "
                "her exit pathway, or a change to her life plan. Each person counts once, "
                "however much support she received. Anonymous visitors are not included "
                "(see the drop-in). For one site: people with a visit, an activity or a peer "
                "group at that site."
            ),
        ),
        "people.new": (
            _("New and continuing"),
            _(
                "New: among the people supported, those whose file was opened on or after "
                "the first day of the period. Continuing: those whose file was opened before "
                "it."
            ),
        ),
        "people.age": (
            _("Age"),
            _(
                "Age reached in the year the period ends, from the birth year (the date of "
                "birth is never read): minors are those under 18. Young people: aged 13 to "
                "25, as youth programmes count them. Not recorded: no birth year."
            ),
        ),
        "people.nationality": (
            _("Nationalities"),
            _(
                "Nationality recorded in her file. The number of nationalities counts the "
                "distinct nationalities recorded. The most frequent are listed by name (up to "
                "ten, and only those of at least as many people as the suppression "
                "threshold); the others are counted together."
            ),
        ),
        "people.channel": (
            _("First contact"),
            _("How she first came into contact with the organisation, as recorded in her file."),
        ),
        "dropin.activity": (
            _("Drop-in"),
            _(
                "Opening sessions: drop-in sessions held in the period, up to today. Visits: "
                "every visit "
                "logged, known or anonymous. Known visitors: distinct people with a file who "
                "visited. Anonymous visits: visits logged without a file. Anonymous visitors "
                "recognised: distinct visitor codes among anonymous visits, so people without "
                "a code are not counted as people, and the number of people is a minimum. "
                "Volunteer hours: hours recorded at sessions by volunteers."
            ),
        ),
        "dropin.services": (
            _("Services given"),
            _(
                "Times given: every service recorded in the period, at a drop-in visit (known "
                "or anonymous) or in individual support, grouped by type. People: distinct "
                "people with a file who received a service of that type at least once. "
                "Share: those people divided by the people supported. One person may receive "
                "several types, so the rows do not add up."
            ),
        ),
        "outreach": (
            _("Outreach"),
            _(
                "Rounds: street and online outreach rounds held in the period. Contacts: "
                "contacts made during those rounds, as counted by the team; new contacts: "
                "those with someone met for the first time."
            ),
        ),
        "groups": (
            _("Activities and peer groups"),
            _(
                "Sessions: sessions held in the period. Attendance: each person present at "
                "each session, including the people present without a file (activities). "
                "Distinct attendees: distinct people with a file who attended at least once."
            ),
        ),
        "housing": (
            pgettext("our houses", "Housing"),
            _(
                "Stays: stays with at least one night in the period; a move between our beds "
                "continues the same stay. People housed: distinct people who spent at least "
                "one night. Nights: nights spent in our beds, up to today. Occupancy: nights "
                "divided by the nights our beds could provide (beds in use multiplied by the "
                "nights of the period, up to today). Length of stay: from her first arrival "
                "to her departure, in nights, for the stays that ended in the period; not "
                "shown for fewer departures than the suppression threshold."
            ),
        ),
        "housing.destinations": (
            _("Where women went when they left"),
            _(
                "Departures from our housing in the period (the morning she left), by exit "
                "destination; a move to another of our beds is not a departure."
            ),
        ),
        "housing.follow_ups": (
            _("Follow-ups after a stay"),
            _("Follow-ups recorded as done in the period, by the outcome recorded."),
        ),
        "lifeplans": (
            _("Life plans"),
            _(
                "People with a life plan: people supported with at least one goal she agreed "
                "to, on or before the end of the period. Goals set: goals she agreed to during "
                "the period (a goal proposed to her counts only once she agrees). Goals "
                "achieved: agreed goals marked achieved during the period, each goal once."
            ),
        ),
        "pathway.status": (
            _("Exit pathway at the end of the period"),
            _(
                "For each person supported, the last status on her exit pathway dated on or "
                "before the end of the period. No status recorded: none dated by then."
            ),
        ),
        "pathway.moves": (
            _("Moves on the exit pathway"),
            _(
                "People whose status changed during the period from an earlier one, by the "
                "status they moved to (her first status ever recorded is not a move; a person "
                "who moved twice counts in both rows). Returns after exit: people "
                "who, during the period, moved back to prostitution after a status of exited "
                "dated earlier."
            ),
        ),
        "referrals": (
            _("Referrals"),
            _(
                "Referrals to partners made during the period, by the partner's type and "
                "by where the referral stands today."
            ),
        ),
        "suppression": (
            _("Small numbers"),
            _(
                "So that no one can be recognised, any number of people, or of what was done "
                "with them, from 1 to one less than the threshold is shown as less than the "
                "threshold. Where a hidden number could be worked out from a total, another "
                "number is hidden too and shown as hidden: it may be of any size, zero "
                "included. Shares, means and medians are hidden with the number they come "
                "from, and for fewer people than the threshold. Numbers about the "
                "organisation's own work (sessions, rounds, nights, hours) are shown as they "
                "are."
            ),
        ),
    }


def _ids(queryset, field: str = "participant_id"):
    return queryset.filter(**{f"{field}__isnull": False}).values(field)


def _supported(period: Period, site) -> Q:
    """Her file received some recorded support in the period (rule people.supported)."""
    p = period
    visit = Visit.objects.filter(session__date__range=(p.start, p.end))
    activity = ActivityAttendance.objects.filter(session__date__range=(p.start, p.end))
    group = PeerGroupAttendance.objects.filter(session__date__range=(p.start, p.end))
    if site is not None:
        visit = visit.filter(session__site=site)
        activity = activity.filter(session__activity__site=site)
        group = group.filter(session__group__site=site)
        sources = [visit, activity, group]
    else:
        sources = [
            visit,
            activity,
            group,
            ServiceGiven.objects.filter(given_on__range=(p.start, p.end)),
            CaseNote.objects.filter(happened_on__range=(p.start, p.end)),
            Appointment.objects.filter(
                status=Appointment.Status.DONE,
                starts_at__gte=p.start_at,
                starts_at__lt=p.end_before,
            ),
            Referral.objects.filter(created_at__gte=p.start_at, created_at__lt=p.end_before),
            BedNight.objects.filter(night__range=(p.start, p.end)),
            FollowUp.objects.filter(done_on__range=(p.start, p.end)),
            PathwayEntry.objects.filter(since__range=(p.start, p.end)),
        ]
    condition = Q()
    for source in sources:
        condition |= Q(pk__in=_ids(source))
    if site is None:
        changes = GoalChange.objects.filter(
            changed_at__gte=p.start_at, changed_at__lt=p.end_before
        ).values("goal__plan__participant_id")
        condition |= Q(pk__in=changes)
    return condition


def _count_column(label: str, key: str = "people", *, protected: bool = True) -> Column:
    return Column(key=key, label=label, protected=protected)


def _partition(key, title, rows, total_label, rules, *, label=None, chart=True, note=""):
    """A one-column table whose rows are the parts of the total below them."""
    rows = list(rows)
    total = sum(value for _key, _label, value in rows)
    return Table(
        key=key,
        title=title,
        columns=[_count_column(label or _("People"))],
        rows=[Row(key=k, label=str(lbl), cells=[v]) for k, lbl, v in rows]
        + [Row(key="total", label=total_label, cells=[total], total=True)],
        rules=rules,
        chart_column=0 if chart else None,
        rows_add_up=True,
        note=note,
    )


def _total_row(rows: list[Row], label: str) -> Row:
    """The row that adds up ``rows``, column by column."""
    width = len(rows[0].cells)
    cells = [sum(row.cells[i] for row in rows) for i in range(width)]
    return Row(key="total", label=label, cells=cells, total=True)


def _age_band(age: int | None) -> str:
    if age is None:
        return "unknown"
    for key, low, high in AGE_BANDS:
        if (low is None or age >= low) and (high is None or age <= high):
            return key
    return "unknown"  # pragma: no cover - the bands cover every age


class _Builder:
    def __init__(self, *, period: Period, site, threshold: int, today: date):
        self.period = period
        self.site = site
        self.threshold = threshold
        self.today = today
        self.supported_q = Q(merged_into__isnull=True) & _supported(period, site)
        self.supported = Participant.objects.filter(self.supported_q)

    # --- people ---

    def people(self) -> Section:
        p = self.period
        found = list(
            self.supported.values_list(
                "pk", "birth_year", "nationality", "first_contact_channel", "opened_on"
            )
        )
        # who was supported is worked out once, here: the support condition reads a dozen
        # tables, so the sections after this one (life plans, pathway, referrals) select
        # their rows by the period alone and keep those of these people
        self.supported_ids = {pk for pk, *_ in found}
        rows = [row[1:] for row in found]
        self.people_count = len(rows)
        new = sum(1 for *_, opened_on in rows if opened_on >= p.start)
        supported = _("People supported")
        overview = _partition(
            "people.overview",
            _("People supported, new and continuing"),
            [("new", _("New this period"), new), ("continuing", _("Continuing"), len(rows) - new)],
            supported,
            ["people.supported", "people.new"],
            chart=False,
        )

        ages = Counter(_age_band(None if year is None else p.end.year - year) for year, *_ in rows)
        age_labels = {
            "under_18": _("Minors (under 18)"),
            "18_25": _("18 to 25"),
            "26_35": _("26 to 35"),
            "36_50": _("36 to 50"),
            "over_50": _("Over 50"),
            "unknown": _("Not recorded"),
        }
        age = _partition(
            "people.age",
            _("Age"),
            [(key, label, ages[key]) for key, label in age_labels.items()],
            supported,
            ["people.age"],
        )
        youth = sum(1 for year, *_ in rows if year is not None and 13 <= p.end.year - year <= 25)
        youth_table = Table(
            key="people.youth",
            title=_("Young people"),
            columns=[_count_column(_("People"))],
            rows=[Row(key="13_25", label=_("Aged 13 to 25"), cells=[youth])],
            rules=["people.age"],
        )

        nationalities = Counter(code for _, code, *_ in rows if code)
        known = sorted(nationalities.items(), key=lambda item: (-item[1], item[0]))
        top = [(c, n) for c, n in known if n >= self.threshold][:TOP_NATIONALITIES]
        listed = {c for c, _n in top}
        others = sum(n for c, n in known if c not in listed)
        unknown = sum(1 for _, code, *_ in rows if not code)
        nationality = _partition(
            "people.nationality",
            _("Most frequent nationalities"),
            [(code, countries.name(code) or code, n) for code, n in top]
            + [
                ("other", _("Other nationalities"), others),
                ("unknown", _("Not recorded"), unknown),
            ],
            supported,
            ["people.nationality"],
        )
        nationality_count = Table(
            key="people.nationality_count",
            title=_("Nationalities"),
            columns=[Column(key="count", label=_("Number"), protected=False)],
            rows=[Row(key="distinct", label=_("Nationalities"), cells=[len(nationalities)])],
            rules=["people.nationality"],
        )

        channels = Counter(channel or "unknown" for _, _, channel, _ in rows)
        channel = _partition(
            "people.channel",
            _("First contact"),
            [(value, label, channels[value]) for value, label in Participant.Channel.choices]
            + [("unknown", _("Not recorded"), channels["unknown"])],
            supported,
            ["people.channel"],
        )
        return Section(
            key="people",
            title=_("People supported"),
            intro=_("The people with a file who received support from us during the period."),
            tables=[overview, age, youth_table, nationality_count, nationality, channel],
        )

    # --- drop-in ---

    def dropin(self) -> Section:
        p = self.period
        # held: a session planned after today (up to two months ahead) has not been yet
        sessions = OpeningSession.objects.filter(date__range=(p.start, min(p.end, self.today)))
        if self.site is not None:
            sessions = sessions.filter(site=self.site)
        session_count = sessions.count()
        visits = Visit.objects.filter(session__in=sessions).aggregate(
            visits=Count("pk"),
            known_people=Count("participant", distinct=True),
            anonymous=Count("pk", filter=Q(participant__isnull=True)),
            recognised=Count(
                "visitor_code",
                distinct=True,
                filter=Q(participant__isnull=True) & ~Q(visitor_code=""),
            ),
        )
        hours = (
            Presence.objects.filter(
                session__in=sessions, person__groups__name=Role.VOLUNTEER.value
            ).aggregate(hours=Sum("hours"))["hours"]
            or 0
        )
        activity = Table(
            key="dropin.activity",
            title=_("Drop-in activity"),
            columns=[Column(key="count", label=_("Number"))],
            rows=[
                Row(
                    key="sessions",
                    label=_("Opening sessions"),
                    cells=[session_count],
                    protected=False,
                ),
                Row(key="visits", label=_("Visits"), cells=[visits["visits"]]),
                Row(key="known_people", label=_("Known visitors"), cells=[visits["known_people"]]),
                Row(
                    key="anonymous_visits", label=_("Anonymous visits"), cells=[visits["anonymous"]]
                ),
                Row(
                    key="recognised_anonymous",
                    label=_("Anonymous visitors recognised (at least)"),
                    cells=[visits["recognised"]],
                ),
                Row(
                    key="volunteer_hours",
                    label=_("Volunteer hours"),
                    cells=[round(float(hours), 1)],
                    protected=False,
                    format="decimal",
                ),
            ],
            rules=["dropin.activity"],
        )

        given = ServiceGiven.objects.filter(given_on__range=(p.start, p.end))
        if self.site is not None:
            given = given.filter(visit__session__site=self.site)
        by_category = {
            row["service__category"]: row
            for row in given.values("service__category").annotate(
                times=Count("pk"),
                people=Count(Coalesce("participant", "visit__participant"), distinct=True),
            )
        }
        rows = []
        for value, label in Service.Category.choices:
            found = by_category.get(value, {"times": 0, "people": 0})
            share = found["people"] / self.people_count if self.people_count else None
            rows.append(
                Row(key=value, label=str(label), cells=[found["times"], found["people"], share])
            )
        services = Table(
            key="dropin.services",
            title=_("Services given, by type"),
            columns=[
                Column(key="times", label=_("Times given")),
                Column(key="people", label=_("People")),
                Column(
                    key="share",
                    label=_("Share of people supported"),
                    format="percent",
                    derived_from=1,
                ),
            ],
            rows=rows,
            rules=["dropin.services"],
            chart_column=2,
        )
        return Section(
            key="dropin",
            title=_("Drop-in centre"),
            intro=_("Walk-in sessions, with or without a name: every visit counts."),
            tables=[activity, services],
        )

    # --- outreach, activities and groups ---

    def outreach(self) -> Section | None:
        if self.site is not None:
            return None
        p = self.period
        by_kind = {
            row["kind"]: row
            for row in OutreachRound.objects.filter(date__range=(p.start, p.end))
            .values("kind")
            .annotate(
                rounds=Count("pk"),
                contacts=Coalesce(Sum("contacts_made"), 0),
                new=Coalesce(Sum("new_contacts"), 0),
            )
        }
        rows = []
        for value, label in OutreachRound.Kind.choices:
            found = by_kind.get(value, {"rounds": 0, "contacts": 0, "new": 0})
            rows.append(
                Row(
                    key=value,
                    label=str(label),
                    cells=[found["rounds"], found["contacts"], found["new"]],
                )
            )
        rows.append(_total_row(rows, _("All outreach")))
        table = Table(
            key="outreach",
            title=_("Outreach rounds and contacts"),
            columns=[
                Column(key="rounds", label=_("Rounds"), protected=False),
                Column(key="contacts", label=_("Contacts")),
                Column(key="new", label=_("New contacts")),
            ],
            rows=rows,
            rules=["outreach"],
            rows_add_up=True,
        )
        return Section(
            key="outreach",
            title=_("Outreach"),
            intro=_("Where first contact usually happens: in the street and online."),
            tables=[table],
        )

    def groups(self) -> Section:
        p = self.period
        activity_sessions = ActivitySession.objects.filter(date__range=(p.start, p.end))
        group_sessions = PeerGroupSession.objects.filter(date__range=(p.start, p.end))
        if self.site is not None:
            activity_sessions = activity_sessions.filter(activity__site=self.site)
            group_sessions = group_sessions.filter(group__site=self.site)
        a = activity_sessions.aggregate(
            sessions=Count("pk"), anonymous=Coalesce(Sum("anonymous_count"), 0)
        )
        a_att = ActivityAttendance.objects.filter(session__in=activity_sessions).aggregate(
            attendance=Count("pk"), people=Count("participant", distinct=True)
        )
        g = group_sessions.aggregate(sessions=Count("pk"), groups=Count("group", distinct=True))
        g_att = PeerGroupAttendance.objects.filter(session__in=group_sessions).aggregate(
            attendance=Count("pk"), people=Count("participant", distinct=True)
        )
        table = Table(
            key="groups",
            title=_("Collective activities and peer groups"),
            columns=[
                Column(key="sessions", label=_("Sessions"), protected=False),
                Column(key="attendance", label=_("Attendance")),
                Column(key="people", label=_("Distinct attendees")),
            ],
            rows=[
                Row(
                    key="activities",
                    label=_("Collective activities"),
                    cells=[a["sessions"], a_att["attendance"] + a["anonymous"], a_att["people"]],
                ),
                Row(
                    key="peer_groups",
                    label=_("Peer groups"),
                    cells=[g["sessions"], g_att["attendance"], g_att["people"]],
                ),
            ],
            rules=["groups"],
        )
        return Section(
            key="groups",
            title=_("Activities and peer groups"),
            intro=_("Workshops, shared meals, outings, and the closed groups run by peers."),
            tables=[table],
        )

    # --- housing ---

    def housing(self) -> Section | None:
        if self.site is not None:
            return None
        p = self.period
        figures = shelter_figures(start=p.start, end=p.end, today=self.today).total
        overview = Table(
            key="housing",
            title=_("Our housing"),
            columns=[Column(key="value", label=_("Number"))],
            rows=[
                Row(key="stays", label=_("Stays"), cells=[figures.stays]),
                Row(key="people", label=_("People housed"), cells=[figures.people]),
                Row(
                    key="nights",
                    label=_("Nights provided"),
                    cells=[figures.nights],
                    protected=False,
                ),
                Row(key="departures", label=_("Departures"), cells=[figures.departures]),
            ],
            rules=["housing"],
        )
        departures = figures.departures
        rates = Table(
            key="housing.rates",
            title=_("Occupancy and length of stay"),
            columns=[
                Column(key="departures", label=_("Departures")),
                Column(key="occupancy", label=_("Occupancy"), format="percent", protected=False),
                Column(
                    key="average",
                    label=_("Average stay (nights)"),
                    format="decimal",
                    derived_from=0,
                ),
                Column(
                    key="median", label=_("Median stay (nights)"), format="decimal", derived_from=0
                ),
            ],
            rows=[
                Row(
                    key="all",
                    label=_("All houses"),
                    cells=[
                        departures,
                        figures.occupancy,
                        None
                        if figures.average_nights is None
                        else round(figures.average_nights, 1),
                        None if figures.median_nights is None else float(figures.median_nights),
                    ],
                )
            ],
            rules=["housing"],
        )
        destinations = _partition(
            "housing.destinations",
            _("Where women went when they left"),
            [
                (value, label, figures.destinations[value])
                for value, label in Stay.ExitDestination.choices
            ],
            _("Departures"),
            ["housing.destinations"],
            label=_("Departures"),
        )
        outcomes = dict(
            FollowUp.objects.filter(done_on__range=(p.start, p.end))
            .values_list("outcome")
            .annotate(n=Count("pk"))
        )
        follow_ups = _partition(
            "housing.follow_ups",
            _("Follow-ups after a stay"),
            [(value, label, outcomes.get(value, 0)) for value, label in FollowUp.Outcome.choices],
            _("Follow-ups done"),
            ["housing.follow_ups"],
            label=_("Follow-ups"),
        )
        return Section(
            key="housing",
            title=pgettext("our houses", "Housing"),
            intro=_("Emergency and long-term shelters, and transition apartments."),
            tables=[overview, rates, destinations, follow_ups],
        )

    # --- life plans ---

    def lifeplans(self) -> Section:
        p = self.period
        supported = self.supported_ids
        with_plan = len(
            supported.intersection(
                Goal.objects.filter(agreed_on__lte=p.end)
                .values_list("plan__participant_id", flat=True)
                .order_by()
                .distinct()
            )
        )
        set_rows = Counter()
        for participant_id, horizon, domain, n in (
            Goal.objects.filter(agreed_on__range=(p.start, p.end))
            .values_list("plan__participant_id", "horizon", "domain")
            .annotate(n=Count("pk"))
            .order_by()
        ):
            if participant_id in supported:
                set_rows[("h", horizon)] += n
                set_rows[("d", domain)] += n
        achieved_goals = {}  # each goal once, however often it was marked achieved
        for participant_id, goal_id, horizon, domain in (
            GoalChange.objects.filter(
                goal__agreed_on__isnull=False,
                status_after=Goal.Status.ACHIEVED,
                changed_at__gte=p.start_at,
                changed_at__lt=p.end_before,
            )
            .values_list("goal__plan__participant_id", "goal_id", "goal__horizon", "goal__domain")
            .order_by()
            .distinct()
        ):
            if participant_id in supported:
                achieved_goals[goal_id] = (horizon, domain)
        achieved = Counter()
        for horizon, domain in achieved_goals.values():
            achieved[("h", horizon)] += 1
            achieved[("d", domain)] += 1

        def goals_table(key, title, kind, choices):
            rows = [
                Row(
                    key=value,
                    label=str(label),
                    cells=[set_rows[(kind, value)], achieved[(kind, value)]],
                )
                for value, label in choices
            ]
            rows.append(_total_row(rows, _("All goals")))
            return Table(
                key=key,
                title=title,
                columns=[
                    Column(key="set", label=_("Goals set")),
                    Column(key="achieved", label=_("Goals achieved")),
                ],
                rows=rows,
                rules=["lifeplans"],
                rows_add_up=True,
                chart_column=1,
            )

        plans = Table(
            key="lifeplans.people",
            title=_("Life plans"),
            columns=[_count_column(_("People"))],
            rows=[Row(key="with_plan", label=_("People with a life plan"), cells=[with_plan])],
            rules=["lifeplans"],
        )
        return Section(
            key="lifeplans",
            title=_("Life plans"),
            intro=_("Goals in her own words: a goal counts only once she agrees to it."),
            tables=[
                plans,
                goals_table("lifeplans.horizon", _("Goals by horizon"), "h", Goal.Horizon.choices),
                goals_table(
                    "lifeplans.domain", _("Goals by rights domain"), "d", RightsDomain.choices
                ),
            ],
        )

    # --- exit pathway ---

    def pathway(self) -> Section:
        p = self.period
        entries = (
            PathwayEntry.objects.filter(since__lte=p.end)
            .order_by("participant_id", "since", "recorded_at", "pk")
            .values_list("participant_id", "status", "since")
        )
        supported = self.supported_ids
        last: dict[int, str] = {}
        moved_to: dict[str, set[int]] = {value: set() for value in PathwayEntry.Status.values}
        returned_after_exit: set[int] = set()
        changed: set[int] = set()
        exited_before: dict[int, date] = {}
        S = PathwayEntry.Status
        for participant_id, status, since in entries:
            if participant_id not in supported:
                continue
            previous = last.get(participant_id)
            in_period = since >= p.start
            if in_period and previous is not None and previous != status:
                moved_to[status].add(participant_id)
                changed.add(participant_id)
                # back in prostitution from a status out of it ("returned" then "in
                # prostitution" is the same return, recorded again)
                back = (S.RETURNED, S.IN_PROSTITUTION)
                if status in back and previous not in back and participant_id in exited_before:
                    returned_after_exit.add(participant_id)
            if status == S.EXITED:
                exited_before.setdefault(participant_id, since)
            last[participant_id] = status
        at_end = Counter(last.values())
        no_status = self.people_count - len(last)
        status = _partition(
            "pathway.status",
            _("Where people stand on their exit pathway at the end of the period"),
            [(value, label, at_end[value]) for value, label in S.choices]
            + [("none", _("No status recorded"), no_status)],
            _("People supported"),
            ["pathway.status"],
        )
        moves = Table(
            key="pathway.moves",
            title=_("Moves on the exit pathway during the period"),
            columns=[_count_column(_("People"))],
            rows=[
                Row(key=value, label=str(label), cells=[len(moved_to[value])])
                for value, label in S.choices
            ]
            + [
                Row(
                    key="returned_after_exit",
                    label=_("Returns after exit"),
                    cells=[len(returned_after_exit)],
                ),
                Row(key="any", label=_("People whose status changed"), cells=[len(changed)]),
            ],
            rules=["pathway.moves"],
        )
        return Section(
            key="pathway",
            title=_("Exit pathway"),
            intro=_(
                "Leaving takes time and several attempts: where people stand, and how they moved."
            ),
            tables=[status, moves],
        )

    # --- referrals ---

    def referrals(self) -> Section:
        p = self.period
        found = Counter()
        for participant_id, kind, status, n in (
            Referral.objects.filter(created_at__gte=p.start_at, created_at__lt=p.end_before)
            .values_list("participant_id", "kind", "status")
            .annotate(n=Count("pk"))
            .order_by()
        ):
            if participant_id in self.supported_ids:
                found[(kind, status)] += n
        statuses = Referral.Status.choices
        rows = []
        for kind, label in Referral._meta.get_field("kind").choices:
            cells = [found.get((kind, status), 0) for status, _label in statuses]
            rows.append(Row(key=kind, label=str(label), cells=[*cells, sum(cells)]))
        rows.append(_total_row(rows, _("All partners")))
        table = Table(
            key="referrals",
            title=_("Referrals by partner type and outcome"),
            columns=[Column(key=value, label=str(label)) for value, label in statuses]
            + [Column(key="total", label=pgettext("referrals", "All"))],
            rows=rows,
            rules=["referrals"],
            rows_add_up=True,
            last_column_is_total=True,
        )
        return Section(
            key="referrals",
            title=_("Referrals to partners"),
            intro=_("Legal aid, health, housing, work: the partners we referred people to."),
            tables=[table],
        )


def report_figures(
    *,
    start: date,
    end: date,
    site=None,
    organisation: str = "",
    threshold: int = 5,
    today: date | None = None,
) -> ReportDocument:
    """The exact figures of the period in the active language (suppress them before they
    leave the app). ``threshold`` decides only which nationalities are listed by name."""
    from django.utils.translation import get_language

    builder = _Builder(
        period=Period(start, end),
        site=site,
        threshold=threshold,
        today=today or timezone.localdate(),
    )
    sections = [builder.people(), builder.dropin()]
    for optional in (builder.outreach(), builder.groups(), builder.housing()):
        if optional is not None:
            sections.append(optional)
    sections += [builder.lifeplans(), builder.pathway(), builder.referrals()]
    texts = _rule_texts()
    used = {key for section in sections for table in section.tables for key in table.rules}
    rules = [Rule(key=k, title=t, text=x) for k, (t, x) in texts.items() if k in used]
    rules.append(
        Rule(key="suppression", title=texts["suppression"][0], text=texts["suppression"][1])
    )
    headlines = [
        Headline("people", _("people supported"), "people.overview", "total", "people"),
        Headline("new", _("new this period"), "people.overview", "new", "people"),
        Headline("visits", _("drop-in visits"), "dropin.activity", "visits", "count"),
        Headline("exited", _("people who have exited"), "pathway.status", "exited", "people"),
        Headline("achieved", _("goals achieved"), "lifeplans.horizon", "total", "achieved"),
    ]
    if builder.site is None:
        headlines.insert(
            3, Headline("nights", _("nights of safe housing"), "housing", "nights", "value")
        )
    document = ReportDocument(
        language=get_language() or "en",
        start=start.isoformat(),
        end=end.isoformat(),
        organisation=organisation,
        site=site.name if site is not None else "",
        threshold=threshold,
        generated_at=timezone.now().isoformat(timespec="seconds"),
        sections=sections,
        headlines=headlines,
        rules=rules,
    )
    document.fill_headlines()
    return document
