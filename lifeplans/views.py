"""Her life plan, staff side: built with her, at one screen, by the workers assigned to her."""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import BooleanField, Count, ExpressionWrapper, F, Max, Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from cases.models import Participant
from cases.scoping import file_for_section, file_view_record
from lifeplans.dreams import (
    board_year,
    dream_board,
    dream_form_submit,
    dream_item_of,
    picture_response,
)
from lifeplans.forms import (
    CorrectionAnswerForm,
    DreamForm,
    GoalAgreeForm,
    GoalEditForm,
    GoalProposeForm,
    ReviewForm,
    SafetyPlanForm,
    StepForm,
    StrengthForm,
)
from lifeplans.models import (
    CorrectionRequest,
    Goal,
    GoalChange,
    LifePlan,
    SafetyPlan,
    Step,
    Strength,
)
from lifeplans.services import (
    SAFETY_FIELDS,
    AgreementNotInPerson,
    CorrectionAlreadyAnswered,
    GoalNotAgreed,
    GoalStaleEdit,
    SafetyPlanStaleEdit,
    correction_answer,
    dream_remove,
    goal_agree,
    goal_propose,
    goal_update,
    review_record,
    safety_plan_save,
    step_add,
    step_set_done,
    strength_add,
    strength_remove,
)
from safespace.access import (
    CORRECTION_ROLES,
    can_read_safety_plan,
    can_see_dream_board,
    participant_writable_fields,
    role_required,
)
from safespace.roles import Role
from safespace.uploads import upload_in_memory

# --- Staff side ---
PLAN_ROLES = (Role.SOCIAL_WORKER, Role.PEER_WORKER, Role.COORDINATOR)
REVIEWS_ON_PAGE = 10
HISTORY_LIMIT = 200


def _goal_of(participant, goal_pk):
    return get_object_or_404(
        Goal.objects.filter(plan__participant=participant).select_related("plan"), pk=goal_pk
    )


def _plan_url(participant, anchor=""):
    return reverse("lifeplan_detail", args=[participant.pk]) + anchor


def _by_horizon(goals):
    groups = {value: [] for value in Goal.Horizon.values}
    for goal in goals:
        groups[goal.horizon].append(goal)
    return [
        {"horizon": value, "label": label, "goals": groups[value]}
        for value, label in Goal.Horizon.choices
    ]


def _lifeplan_section(request, participant, *, writable):
    """The summary on her file page: goals by horizon with steps done/total (two queries)."""
    plan = LifePlan.objects.filter(participant=participant).first()
    goals = []
    if plan is not None:
        goals = plan.goals.annotate(
            steps_total=Count("steps"),
            steps_done=Count("steps", filter=Q(steps__done_on__isnull=False)),
        ).order_by("created_at", "pk")
    return {"plan": plan, "horizons": _by_horizon(goals), "writable": writable}


@require_safe
@role_required(*PLAN_ROLES)
def lifeplan_detail(request, pk):
    """Her plan, for sitting together at one screen (a fixed number of queries)."""
    participant = file_for_section(request, pk, "lifeplan")
    plan = LifePlan.objects.filter(participant=participant).first()
    goals, reviews, strengths = [], [], []
    if plan is not None:
        goals = list(
            plan.goals.select_related("proposed_by_user")
            .prefetch_related(Prefetch("steps", queryset=Step.objects.order_by("created_at", "pk")))
            .order_by("created_at", "pk")
        )
        reviews = list(plan.reviews.select_related("recorded_by")[:REVIEWS_ON_PAGE])
        strengths = _strengths_of(plan)
    for goal in goals:
        steps = list(goal.steps.all())
        goal.steps_total = len(steps)
        goal.steps_done = sum(1 for step in steps if step.done)
    file_view_record(request, participant, "lifeplan")
    writable = "lifeplan" in participant_writable_fields(request.user)
    hers_or_assigned = can_read_safety_plan(request.user, participant)
    return render(
        request,
        "lifeplans/plan.html",
        {
            "participant": participant,
            "plan": plan,
            "horizons": _by_horizon(goals),
            "reviews": reviews,
            "writable": writable,
            "can_read_safety_plan": hers_or_assigned,
            "can_see_dream_board": hers_or_assigned,
            "propose_form": GoalProposeForm() if writable else None,
            "review_form": ReviewForm() if writable else None,
            "strengths": strengths,
            "strength_form": StrengthForm(auto_id="strength_%s") if writable else None,
        },
    )


def _form_page(request, participant, form, *, title, action, goal=None, version=None, extra=None):
    context = {
        "participant": participant,
        "form": form,
        "title": title,
        "action": action,
        "goal": goal,
        "version": version,
    }
    return render(request, "lifeplans/form.html", context | (extra or {}))


@role_required(*PLAN_ROLES)
def lifeplan_goal_new(request, pk):
    """Propose a goal with her; it counts only once she agrees (hers is agreed at once)."""
    participant = file_for_section(request, pk, "lifeplan", write=True)
    form = GoalProposeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        goal_propose(
            actor=request.user,
            participant=participant,
            horizon=data["horizon"],
            domain=data["domain"],
            words=data["words"],
            by_her=data["by_her"],
        )
        if data["by_her"]:
            messages.success(request, _("Her goal is added."))
        else:
            messages.success(request, _("The goal is added as a proposal, until she agrees."))
        return redirect(_plan_url(participant, "#goals"))
    return _form_page(request, participant, form, title=_("A new goal"), action=request.path)


@role_required(*PLAN_ROLES)
def lifeplan_goal_agree(request, pk, goal_pk):
    """Record that she agrees to a proposed goal: only with her there, in person."""
    participant = file_for_section(request, pk, "lifeplan", write=True)
    goal = _goal_of(participant, goal_pk)
    form = GoalAgreeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            goal_agree(
                actor=request.user,
                goal=goal,
                in_her_presence=form.cleaned_data["in_her_presence"],
            )
        except AgreementNotInPerson:
            form.add_error("in_her_presence", _("Only she can agree, in person."))
        else:
            messages.success(request, _("Her agreement is recorded."))
            return redirect(_plan_url(participant, f"#goal-{goal.pk}"))
    return _form_page(
        request,
        participant,
        form,
        title=_("She agrees to this goal"),
        action=request.path,
        goal=goal,
    )


@role_required(*PLAN_ROLES)
def lifeplan_goal_edit(request, pk, goal_pk):
    """Change a goal with her; the earlier version stays in its history."""
    participant = file_for_section(request, pk, "lifeplan", write=True)
    goal = _goal_of(participant, goal_pk)
    initial = {name: getattr(goal, name) for name in ("words", "horizon", "domain", "status")}
    form = GoalEditForm(
        request.POST if request.method == "POST" else None, initial=initial, goal=goal
    )
    version = request.POST.get("version", goal.version)
    if request.method == "POST" and form.is_valid():
        try:
            goal_update(
                actor=request.user, goal=goal, version=int(version), changes=form.cleaned_data
            )
        except (GoalStaleEdit, ValueError):
            form.add_error(
                None,
                _(
                    "Someone else changed this goal while you were editing. Your text is still "
                    "here: look at the plan in another tab, then save again."
                ),
            )
            version = Goal.objects.values_list("version", flat=True).get(pk=goal.pk)
        except GoalNotAgreed:
            form.add_error(
                "status",
                _("She has not agreed to this goal yet: it stays a proposal until she does."),
            )
        else:
            messages.success(request, _("Saved."))
            return redirect(_plan_url(participant, f"#goal-{goal.pk}"))
    return _form_page(
        request,
        participant,
        form,
        title=_("Change this goal"),
        action=request.path,
        goal=goal,
        version=version,
    )


@require_safe
@role_required(*PLAN_ROLES)
def lifeplan_goal_history(request, pk, goal_pk):
    """The road travelled: every change to this goal, oldest first."""
    participant = file_for_section(request, pk, "lifeplan")
    goal = get_object_or_404(
        Goal.objects.filter(plan__participant=participant).select_related("proposed_by_user"),
        pk=goal_pk,
    )
    changes = list(
        GoalChange.objects.filter(goal=goal).select_related("changed_by")[:HISTORY_LIMIT]
    )
    file_view_record(request, participant, "lifeplan")
    return render(
        request,
        "lifeplans/goal_history.html",
        {"participant": participant, "goal": goal, "changes": changes},
    )


@role_required(*PLAN_ROLES)
def lifeplan_step_new(request, pk, goal_pk):
    """A concrete step towards a goal."""
    participant = file_for_section(request, pk, "lifeplan", write=True)
    goal = _goal_of(participant, goal_pk)
    form = StepForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        step_add(actor=request.user, goal=goal, **form.cleaned_data)
        messages.success(request, _("The step is added."))
        return redirect(_plan_url(participant, f"#goal-{goal.pk}"))
    return _form_page(
        request, participant, form, title=_("A new step"), action=request.path, goal=goal
    )


@require_POST
@role_required(*PLAN_ROLES)
def lifeplan_step_done(request, pk, step_pk):
    """Tick a step done, or untick it."""
    participant = file_for_section(request, pk, "lifeplan", write=True)
    step = get_object_or_404(
        Step.objects.filter(goal__plan__participant=participant).only("pk", "goal_id"),
        pk=step_pk,
    )
    step_set_done(actor=request.user, step=step, done=request.POST.get("done") == "1")
    return redirect(_plan_url(participant, f"#goal-{step.goal_id}"))


@role_required(*PLAN_ROLES)
def lifeplan_review_new(request, pk):
    """A review together: her reflection and the worker's note side by side."""
    participant = file_for_section(request, pk, "lifeplan", write=True)
    form = ReviewForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        review_record(actor=request.user, participant=participant, **form.cleaned_data)
        messages.success(request, _("The review is recorded."))
        return redirect(_plan_url(participant, "#reviews"))
    return _form_page(
        request, participant, form, title=_("A review of her plan"), action=request.path
    )


def reviews_due(user, *, days=7):
    """Plans in the worker's caseload reviewed within `days` or overdue (one query)."""
    today = timezone.localdate()
    caseload = Participant.objects.visible_to(user).filter(
        assignments__worker=user, assignments__ended_at__isnull=True
    )
    return list(
        LifePlan.objects.filter(participant__in=caseload.values("pk"))
        .filter(Q(review_overdue=True) | Q(next_review_on__lte=today + timedelta(days=days)))
        .select_related("participant")
        .only("pk", "next_review_on", "review_overdue", "participant__id", "participant__known_as")
        .order_by("next_review_on")[:50]
    )


# --- Safety plan ---
# Her immediate protection strategies: see safespace.access.can_read_safety_plan.


def safety_plan_edit(request, participant, form_class, *, stale, via=""):
    """Her safety plan's form, saved on a valid POST if nobody saved in between (else the
    `stale` message, with what was typed kept). Returns (form, version, current, saved)."""
    current = SafetyPlan.objects.filter(plan__participant=participant).first()
    initial = {name: getattr(current, name) for name in SAFETY_FIELDS} if current else {}
    form = form_class(request.POST if request.method == "POST" else None, initial=initial)
    version = request.POST.get("version", current.version if current else 0)
    if request.method == "POST" and form.is_valid():
        try:
            safety_plan_save(
                actor=request.user,
                participant=participant,
                version=int(version),
                data=form.cleaned_data,
                via=via,
            )
        except (SafetyPlanStaleEdit, ValueError):
            form.add_error(None, stale)
            latest = SafetyPlan.objects.filter(plan__participant=participant).first()
            version = latest.version if latest else 0
        else:
            return form, version, current, True
    return form, version, current, False


@role_required(*PLAN_ROLES)
def lifeplan_safety(request, pk):
    """Read and write her safety plan, sitting with her."""
    participant = file_for_section(request, pk, "lifeplan", write=request.method == "POST")
    if not can_read_safety_plan(request.user, participant):
        raise PermissionDenied
    form, version, current, saved = safety_plan_edit(
        request,
        participant,
        SafetyPlanForm,
        stale=_(
            "Someone else changed her safety plan while you were writing. Your text "
            "is still here: check it in another tab, then save again."
        ),
    )
    if saved:
        messages.success(request, _("Her safety plan is saved."))
        return redirect(reverse("lifeplan_safety", args=[participant.pk]))
    if request.method == "GET":
        file_view_record(request, participant, "safety_plan")
    response = render(
        request,
        "lifeplans/safety.html",
        {"participant": participant, "form": form, "version": version, "current": current},
    )
    response["Cache-Control"] = "no-store, private"
    return response


# --- Dream board ---
# Her wishes for the year. Pictures and words are for her and the workers assigned to her
# (safespace.access.can_see_dream_board); pictures leave only through lifeplan_dream_picture.


def _dream_board_file(request, pk, *, write=False):
    participant = file_for_section(request, pk, "lifeplan", write=write)
    if not can_see_dream_board(request.user, participant):
        raise PermissionDenied
    return participant


def _dreams_url(participant, year=None):
    url = reverse("lifeplan_dreams", args=[participant.pk])
    return f"{url}?year={year}" if year else url


@require_safe
@role_required(*PLAN_ROLES)
def lifeplan_dreams(request, pk):
    """Her dream board for one year, to look at together."""
    participant = _dream_board_file(request, pk)
    board = dream_board(participant, board_year(request))
    writable = "lifeplan" in participant_writable_fields(request.user)
    for item in board["items"]:
        if item.content_type:
            item.picture_url = reverse("lifeplan_dream_picture", args=[participant.pk, item.pk])
        if writable:
            item.remove_url = reverse("lifeplan_dream_remove", args=[participant.pk, item.pk])
    file_view_record(request, participant, "dream_board")
    response = render(
        request,
        "lifeplans/dreams.html",
        {
            "participant": participant,
            "board": board,
            "writable": writable,
            "form": DreamForm() if writable else None,
            "year_url": reverse("lifeplan_dreams", args=[participant.pk]),
        },
    )
    response["Cache-Control"] = "no-store, private"
    return response


@upload_in_memory
@role_required(*PLAN_ROLES)
def lifeplan_dream_new(request, pk):
    """Add a picture or words to her board, with her."""
    participant = _dream_board_file(request, pk, write=True)
    form, saved = dream_form_submit(
        request,
        participant,
        full_message=_("Her board for this year is full: take something off first."),
    )
    if saved:
        messages.success(request, _("It is on her dream board."))
        return redirect(_dreams_url(participant))
    return _form_page(
        request,
        participant,
        form,
        title=_("Add to her dream board"),
        action=request.path,
        extra={"multipart": True, "back_url": _dreams_url(participant)},
    )


@require_safe
@role_required(*PLAN_ROLES)
def lifeplan_dream_picture(request, pk, item_pk):
    """One picture of her board (the board's view is what the audit trail records)."""
    participant = _dream_board_file(request, pk)
    return picture_response(dream_item_of(participant, item_pk))


@role_required(*PLAN_ROLES)
def lifeplan_dream_remove(request, pk, item_pk):
    """Take something off her board, after a confirmation page."""
    participant = _dream_board_file(request, pk, write=True)
    item = dream_item_of(participant, item_pk)
    if request.method == "POST":
        if dream_remove(actor=request.user, item=item):
            messages.success(request, _("It is off her dream board."))
        return redirect(_dreams_url(participant, item.year))
    return render(
        request,
        "lifeplans/dream_remove.html",
        {
            "participant": participant,
            "item": item,
            "picture_url": reverse("lifeplan_dream_picture", args=[participant.pk, item.pk])
            if item.content_type
            else "",
            "back_url": _dreams_url(participant, item.year),
        },
    )


# --- Strengths ---
# What she is good at, as she sees it: a few words as tags, and her own words.


STRENGTHS_ON_PAGE = 100


def _strengths_of(plan):
    """Her strengths, oldest first, with who wrote them down (one query)."""
    return list(
        plan.strengths.select_related("recorded_by")
        .only("pk", "plan_id", "tags", "words", "recorded_at", "recorded_by__username")
        .annotate(
            by_her=ExpressionWrapper(
                Q(recorded_by=F("plan__participant__account")), output_field=BooleanField()
            )
        )
        .order_by("recorded_at", "pk")[:STRENGTHS_ON_PAGE]
    )


def _strength_of(participant, strength_pk):
    return get_object_or_404(
        Strength.objects.filter(plan__participant=participant).only("pk", "tags", "words"),
        pk=strength_pk,
    )


@role_required(*PLAN_ROLES)
def lifeplan_strength_new(request, pk):
    """Write down a strength she recognises in herself, in a few words and in her words."""
    participant = file_for_section(request, pk, "lifeplan", write=True)
    form = StrengthForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        strength_add(actor=request.user, participant=participant, **form.cleaned_data)
        messages.success(request, _("Her strength is added."))
        return redirect(_plan_url(participant, "#strengths"))
    return _form_page(
        request, participant, form, title=_("A strength of hers"), action=request.path
    )


@role_required(*PLAN_ROLES)
def lifeplan_strength_remove(request, pk, strength_pk):
    """Remove one of her strengths, after a confirmation page."""
    participant = file_for_section(request, pk, "lifeplan", write=True)
    strength = _strength_of(participant, strength_pk)
    if request.method == "POST":
        if strength_remove(actor=request.user, strength=strength):
            messages.success(request, _("The strength is removed from her plan."))
        return redirect(_plan_url(participant, "#strengths"))
    file_view_record(request, participant, "lifeplan")
    return render(
        request,
        "lifeplans/strength_remove.html",
        {"participant": participant, "strength": strength},
    )


# --- Achieved this month ---


def _this_month():
    """The first instant of this calendar month and of the next, in local time."""
    start = timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    # zoneinfo datetimes: replace() keeps the wall clock, so a change of hour between is fine
    return start, (start + timedelta(days=32)).replace(day=1)


def goals_achieved_this_month(user):
    """Goals she agreed to and achieved this calendar month, in the worker's caseload (one
    query). The moment comes from the goal's history (a change to "achieved"), not from
    updated_at; her words are never loaded: only her known-as name, horizon, domain, date."""
    start, end = _this_month()
    caseload = Participant.objects.visible_to(user).filter(
        assignments__worker=user, assignments__ended_at__isnull=True
    )
    # the change that made it achieved: later changes keep status_after "achieved" too
    not_yet = ["", *(status for status in Goal.Status.values if status != Goal.Status.ACHIEVED)]
    achieved_now = Q(
        changes__status_before__in=not_yet,
        changes__status_after=Goal.Status.ACHIEVED,
        changes__changed_at__gte=start,
        changes__changed_at__lt=end,
    )
    return list(
        Goal.objects.filter(
            plan__participant__in=caseload.values("pk"),
            status=Goal.Status.ACHIEVED,
            agreed_on__isnull=False,
        )
        .annotate(achieved_at=Max("changes__changed_at", filter=achieved_now))
        .filter(achieved_at__isnull=False)
        .select_related("plan__participant")
        .only(
            "pk",
            "horizon",
            "domain",
            "plan__id",
            "plan__participant__id",
            "plan__participant__known_as",
        )
        .order_by("plan__participant_id", "-achieved_at")[:200]
    )


def achieved_by_participant(goals):
    """The goals of goals_achieved_this_month, counted per participant, latest first."""
    rows = {}
    for goal in goals:
        participant = goal.plan.participant
        row = rows.setdefault(
            participant.pk, {"participant": participant, "count": 0, "latest": goal.achieved_at}
        )
        row["count"] += 1
        row["latest"] = max(row["latest"], goal.achieved_at)
    return sorted(rows.values(), key=lambda row: row["latest"], reverse=True)


# --- Correction requests ---
# She asks from her space; her key worker answers here, and coordinators within her scope
# (safespace.access.CORRECTION_ROLES; lifeplans.querysets: visible_to). Others are told no
# (403). The list shows her known-as name and dates only; her words are on each request's
# page, which records the view of her file like every page that shows part of it.

CORRECTIONS_PER_PAGE = 50
CORRECTIONS_ANSWERED_SHOWN = 20


def _corrections_of(user, *fields):
    """Her requests in this user's scope, with her file's known-as name and reference only
    (plus ``fields`` of the request: her words and the answer are loaded only when named)."""
    return (
        CorrectionRequest.objects.visible_to(user)
        .select_related("participant", "answered_by")
        .only(
            "pk",
            "participant_id",
            "created_at",
            "status",
            "answered_at",
            "participant__id",
            "participant__reference",
            "participant__known_as",
            "answered_by__id",
            "answered_by__username",
            "answered_by__first_name",
            "answered_by__last_name",
            *fields,
        )
    )


@never_cache
@require_safe
@role_required(*CORRECTION_ROLES)
def lifeplan_corrections(request):
    """The requests waiting for an answer, oldest first, then the latest answered (a fixed
    number of queries whatever the number of requests)."""
    scoped = _corrections_of(request.user)
    waiting = Paginator(scoped.waiting().order_by("created_at", "pk"), CORRECTIONS_PER_PAGE)
    answered = scoped.filter(status=CorrectionRequest.Status.ANSWERED).order_by(
        "-answered_at", "-pk"
    )
    return render(
        request,
        "lifeplans/corrections.html",
        {
            "page": waiting.get_page(request.GET.get("page")),
            "answered": list(answered[:CORRECTIONS_ANSWERED_SHOWN]),
        },
    )


def _correction_of(request, correction_pk):
    return get_object_or_404(_corrections_of(request.user, "words", "answer"), pk=correction_pk)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@role_required(*CORRECTION_ROLES)
def lifeplan_correction_answer(request, correction_pk):
    """Her request in her words, and the form to answer it. The first answer is kept: a
    later one is refused with the first shown, and the text typed stays on the page."""
    correction = _correction_of(request, correction_pk)
    participant = correction.participant
    form = CorrectionAnswerForm(request.POST if request.method == "POST" else None)
    unsent = ""
    if request.method == "POST":
        if not correction.waiting:
            unsent = request.POST.get("answer", "")
        elif form.is_valid():
            try:
                correction_answer(
                    actor=request.user, correction=correction, answer=form.cleaned_data["answer"]
                )
            except CorrectionAlreadyAnswered:
                unsent = form.cleaned_data["answer"]
                correction = _correction_of(request, correction_pk)
            else:
                messages.success(request, _("Your answer is sent. She will read it in her space."))
                return redirect("lifeplan_corrections")
    else:
        file_view_record(request, participant, "corrections")
    return render(
        request,
        "lifeplans/correction_answer.html",
        {
            "correction": correction,
            "participant": participant,
            "form": form if correction.waiting else None,
            "unsent": unsent,
        },
    )
