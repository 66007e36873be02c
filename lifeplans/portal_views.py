"""Her own space on her phone: her goals, her steps, her reflections, her next appointment.

Everything starts from her own file (``Participant.objects.visible_to``): an id that is
not in her plan answers 404. Only her words and plain facts are loaded: staff notes,
worker notes of reviews and staff-only fields are never read here.
"""

from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from cases.models import Appointment, Assignment, Participant
from lifeplans.dreams import (
    board_year,
    dream_board,
    dream_form_submit,
    dream_item_of,
    picture_response,
)
from lifeplans.models import (
    CorrectionRequest,
    DreamItem,
    Goal,
    GoalChange,
    Review,
    SafetyPlan,
    Step,
    Strength,
)
from lifeplans.portal_forms import (
    DOMAIN_WORDS,
    HORIZON_WORDS,
    OWNER_WORDS,
    STATUS_WORDS,
    HerCorrectionForm,
    HerGoalForm,
    HerReflectionForm,
    HerSafetyPlanForm,
    HerStepForm,
    HerStrengthForm,
)
from lifeplans.services import (
    NotAProposal,
    correction_ask,
    her_dream_remove,
    her_goal_answer,
    her_goal_propose,
    her_plan_downloaded,
    her_reflection_write,
    her_step_set_done,
    strength_add,
    strength_remove,
)
from lifeplans.views import safety_plan_edit
from safespace.access import role_required
from safespace.roles import Role
from safespace.uploads import upload_in_memory

# goals she sees in her list; "proposed" ones wait in their own list, "let go" ones rest
SHOWN = [Goal.Status.AGREED, Goal.Status.IN_PROGRESS, Goal.Status.ACHIEVED, Goal.Status.PAUSED]


def _her_file(request):
    """Her own file, or None when none is linked to her account yet. Loads no field of it."""
    return Participant.objects.visible_to(request.user).only("pk").first()


def _her_file_or_404(request):
    participant = _her_file(request)
    if participant is None:
        raise Http404
    return participant


def _her_goals(participant, statuses):
    """Her goals with their steps: two queries whatever the number of goals."""
    steps = Step.objects.only("pk", "goal_id", "words", "owner", "due_on", "done_on")
    goals = (
        Goal.objects.filter(plan__participant=participant, status__in=statuses)
        .only("pk", "plan_id", "horizon", "domain", "words", "proposed_by", "status")
        .prefetch_related(Prefetch("steps", queryset=steps.order_by("created_at", "pk")))
        .order_by("created_at", "pk")
    )
    result = list(goals)
    for goal in result:
        goal.her_steps = list(goal.steps.all())
        goal.steps_done = sum(1 for step in goal.her_steps if step.done)
        goal.steps_total = len(goal.her_steps)
        goal.horizon_words = HORIZON_WORDS.get(goal.horizon, "")
        goal.domain_words = DOMAIN_WORDS.get(goal.domain, "")
        goal.status_words = STATUS_WORDS.get(goal.status, "")
        for step in goal.her_steps:
            step.owner_words = OWNER_WORDS.get(step.owner, "")
    return result


def _her_reflections(participant):
    """Her reflections only: the worker's note of a review is never loaded."""
    reviews = (
        Review.objects.filter(plan__participant=participant)
        .only("pk", "plan_id", "reviewed_on", "recorded_at", "her_reflection")
        .order_by("-reviewed_on", "-recorded_at")[:100]
    )
    # an empty reflection is encrypted like any other value: SQL cannot tell, Python can
    return [review for review in reviews if review.her_reflection.strip()][:50]


@never_cache
@require_safe
@role_required(Role.PARTICIPANT)
def portal_home(request):
    """Her space: goals by horizon with progress, goals proposed to her, her next appointment."""
    participant = _her_file(request)
    context = {"participant": participant, "horizons": [], "proposed": [], "appointment": None}
    if participant is not None:
        goals = _her_goals(participant, [*SHOWN, Goal.Status.PROPOSED])
        context["proposed"] = [g for g in goals if g.status == Goal.Status.PROPOSED]
        shown = [g for g in goals if g.status != Goal.Status.PROPOSED]
        context["horizons"] = [
            {
                "key": horizon,
                "words": words,
                "goals": [g for g in shown if g.horizon == horizon],
            }
            for horizon, words in HORIZON_WORDS.items()
        ]
        context["appointment"] = (
            Appointment.objects.filter(
                participant=participant,
                status=Appointment.Status.PLANNED,
                starts_at__gt=timezone.now(),
            )
            .select_related("worker")
            .only("pk", "starts_at", "worker__id", "worker__first_name")
            .order_by("starts_at")
            .first()
        )
        context["dreams"] = _dream_preview(participant)
    return render(request, "lifeplans/portal/home.html", context)


DREAMS_ON_HOME = 4


def _dream_preview(participant):
    """The last few things she put on this year's board (one query, no picture loaded)."""
    items = list(
        DreamItem.objects.filter(plan__participant=participant, year=timezone.localdate().year)
        .only("pk", "plan_id", "words", "content_type")
        .order_by("-added_at", "-pk")[:DREAMS_ON_HOME]
    )
    for item in items:
        if item.content_type:
            item.picture_url = reverse("portal_dream_picture", args=[item.pk])
    return {"items": items}


@require_POST
@role_required(Role.PARTICIPANT)
def portal_step_done(request, step_pk):
    """Mark one of her steps done or not done."""
    participant = _her_file_or_404(request)
    step = get_object_or_404(
        Step.objects.filter(goal__plan__participant=participant, goal__status__in=SHOWN).only(
            "pk", "done_on"
        ),
        pk=step_pk,
    )
    form = HerStepForm(request.POST)
    if form.is_valid():
        done = form.cleaned_data["done"]
        her_step_set_done(actor=request.user, step=step, done=done)
        messages.success(request, _("Well done.") if done else _("Saved."))
    return redirect("portal_home")


@never_cache
@role_required(Role.PARTICIPANT)
def portal_goal_new(request):
    """Add a goal in her own words."""
    participant = _her_file_or_404(request)
    form = HerGoalForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        her_goal_propose(actor=request.user, participant=participant, **form.cleaned_data)
        messages.success(request, _("Your goal is saved."))
        return redirect("portal_home")
    return render(request, "lifeplans/portal/goal_form.html", {"form": form})


def _answer(request, goal_pk, *, agree):
    participant = _her_file_or_404(request)
    goal = get_object_or_404(
        Goal.objects.filter(plan__participant=participant).only("pk"), pk=goal_pk
    )
    try:
        her_goal_answer(actor=request.user, goal=goal, agree=agree)
    except NotAProposal:
        messages.info(request, _("This goal already has an answer."))
    else:
        messages.success(request, _("Your goal is saved.") if agree else _("Noted. It is let go."))
    return redirect("portal_home")


@require_POST
@role_required(Role.PARTICIPANT)
def portal_goal_agree(request, goal_pk):
    """She agrees to a goal proposed to her: from now on it counts."""
    return _answer(request, goal_pk, agree=True)


@require_POST
@role_required(Role.PARTICIPANT)
def portal_goal_let_go(request, goal_pk):
    """She says "not for me" to a goal proposed to her."""
    return _answer(request, goal_pk, agree=False)


@never_cache
@role_required(Role.PARTICIPANT)
def portal_reflection(request):
    """Write how it is going, in her words; her earlier reflections below."""
    participant = _her_file_or_404(request)
    form = HerReflectionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        her_reflection_write(
            actor=request.user, participant=participant, words=form.cleaned_data["words"]
        )
        messages.success(request, _("Thank you. Your words are saved."))
        return redirect("portal_reflection")
    return render(
        request,
        "lifeplans/portal/reflection.html",
        {"form": form, "reflections": _her_reflections(participant)},
    )


@never_cache
@require_safe
@role_required(Role.PARTICIPANT)
def portal_safety(request):
    """Her safety plan, made with her worker: what keeps her safe, in her words."""
    participant = _her_file_or_404(request)
    safety = SafetyPlan.objects.filter(plan__participant=participant).first()
    return render(request, "lifeplans/portal/safety.html", {"safety": safety})


@require_safe
@role_required(Role.PARTICIPANT)
def portal_plan_pdf(request):
    """Her plan as a PDF: her goals, steps and reflections, nothing else."""
    from reports.rendering import StaticOnlyURLFetcher, html_to_pdf

    participant = _her_file_or_404(request)
    html = render_to_string(
        "lifeplans/portal/plan_pdf.html",
        {
            "goals": _her_goals(participant, SHOWN),
            "reflections": _her_reflections(participant),
            "today": timezone.localdate(),
        },
        request=request,
    )
    # files inside the static folder only: never the network, never another file on disk
    pdf = html_to_pdf(html, url_fetcher=StaticOnlyURLFetcher(fail_on_errors=True))
    her_plan_downloaded(actor=request.user, participant=participant)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="my-plan.pdf"'
    response["Cache-Control"] = "no-store"
    return response


# --- Dream board ---


@never_cache
@require_safe
@role_required(Role.PARTICIPANT)
def portal_dreams(request):
    """Her dream board: her wishes for the year, in pictures and words."""
    participant = _her_file_or_404(request)
    board = dream_board(participant, board_year(request))
    for item in board["items"]:
        if item.content_type:
            item.picture_url = reverse("portal_dream_picture", args=[item.pk])
        item.remove_url = reverse("portal_dream_remove", args=[item.pk])
    return render(
        request,
        "lifeplans/portal/dreams.html",
        {"board": board, "year_url": reverse("portal_dreams"), "for_her": True},
    )


@never_cache
@upload_in_memory
@role_required(Role.PARTICIPANT)
def portal_dream_new(request):
    """Add a picture, a few words, or both, to her board."""
    participant = _her_file_or_404(request)
    form, saved = dream_form_submit(
        request,
        participant,
        via="portal",
        full_message=_("Your board for this year is full. Take something off first."),
    )
    if saved:
        messages.success(request, _("It is on your dream board."))
        return redirect("portal_dreams")
    return render(request, "lifeplans/portal/dream_form.html", {"form": form})


@require_safe
@role_required(Role.PARTICIPANT)
def portal_dream_picture(request, item_pk):
    """One picture of her own board."""
    return picture_response(dream_item_of(_her_file_or_404(request), item_pk))


@never_cache
@role_required(Role.PARTICIPANT)
def portal_dream_remove(request, item_pk):
    """Take something off her board, after a question."""
    item = dream_item_of(_her_file_or_404(request), item_pk)
    if request.method == "POST":
        if her_dream_remove(actor=request.user, item=item):
            messages.success(request, _("It is off your board."))
        return redirect(f"{reverse('portal_dreams')}?year={item.year}")
    return render(
        request,
        "lifeplans/portal/dream_remove.html",
        {
            "item": item,
            "picture_url": reverse("portal_dream_picture", args=[item.pk])
            if item.content_type
            else "",
        },
    )


# --- Her safety plan, written by her ---


@never_cache
@role_required(Role.PARTICIPANT)
def portal_safety_edit(request):
    """She changes her own safety plan: the same plan her workers see, saved only if nobody
    saved in between (then what she typed is kept on the page)."""
    participant = _her_file_or_404(request)
    form, version, _current, saved = safety_plan_edit(
        request,
        participant,
        HerSafetyPlanForm,
        stale=_(
            "Your worker changed your plan while you were writing. Your words are "
            "still here: check them, then save again."
        ),
        via="portal",
    )
    if saved:
        messages.success(request, _("Your safety plan is saved."))
        return redirect("portal_safety")
    return render(request, "lifeplans/portal/safety_form.html", {"form": form, "version": version})


# --- Strengths ---
# What she is good at, in her words: she adds and removes them herself.


STRENGTHS_SHOWN = 100


def _her_strengths(participant):
    """Her strengths, oldest first: one query whatever their number."""
    return list(
        Strength.objects.filter(plan__participant=participant)
        .only("pk", "plan_id", "tags", "words")
        .order_by("recorded_at", "pk")[:STRENGTHS_SHOWN]
    )


@never_cache
@role_required(Role.PARTICIPANT)
def portal_strengths(request):
    """What she is good at: her strengths, and a form to add one in her own words."""
    participant = _her_file_or_404(request)
    form = HerStrengthForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        strength_add(actor=request.user, participant=participant, via="portal", **form.cleaned_data)
        messages.success(request, _("Saved. Thank you for sharing it."))
        return redirect("portal_strengths")
    return render(
        request,
        "lifeplans/portal/strengths.html",
        {"form": form, "strengths": _her_strengths(participant)},
    )


@never_cache
@role_required(Role.PARTICIPANT)
def portal_strength_remove(request, strength_pk):
    """She removes one of her strengths, after a question (only ones of her own plan: any
    other id is 404). A mis-tap on a shared phone must not delete her words."""
    participant = _her_file_or_404(request)
    strength = get_object_or_404(
        Strength.objects.filter(plan__participant=participant).only("pk", "tags", "words"),
        pk=strength_pk,
    )
    if request.method == "POST":
        if strength_remove(actor=request.user, strength=strength, via="portal"):
            messages.success(request, _("Removed."))
        return redirect("portal_strengths")
    return render(request, "lifeplans/portal/strength_remove.html", {"strength": strength})


# --- The road travelled ---
# What happened on her goals, newest first, in plain words: from the goals' history
# (GoalChange) and the steps she ticked. Who is "you" or "your worker", never a name.

ROAD_LIMIT = 200


def _road_change_lines(change, *, mine):
    """What one change means for her, as (words, names_who) pairs; names_who is True when
    the words already say who did it ("You …", "Your worker …")."""
    Status = Goal.Status
    if "created" in change.fields:
        if change.status_after == Status.PROPOSED:
            return [(_("Your worker proposed this goal"), True)]
        if mine:
            return [(_("You added this goal"), True)]
        return [(_("Your worker wrote down your goal"), True)]
    lines = []
    before, after = change.status_before, change.status_after
    if before != after:
        if after == Status.AGREED and before in ("", Status.PROPOSED, Status.LET_GO):
            # only she agrees: her worker records it only with her there
            lines.append((_("You said yes"), True))
        elif after == Status.LET_GO:
            lines.append((_("You let it go"), True) if mine else (_("Let go"), False))
        elif after == Status.ACHIEVED:
            lines.append((_("Done!"), False))
        elif after == Status.IN_PROGRESS:
            lines.append((_("Started working on it"), False))
        elif after == Status.PAUSED:
            lines.append((_("Put on pause"), False))
        elif after == Status.AGREED:
            lines.append((_("Back on your list"), False))
        elif after == Status.PROPOSED:
            lines.append((_("Proposed to you again"), False))
    if "words" in change.fields:
        lines.append(
            (_("You changed the words") if mine else _("Your worker changed the words"), True)
        )
    if "horizon" in change.fields:
        lines.append((_("You changed when") if mine else _("Your worker changed when"), True))
    if "domain" in change.fields:
        lines.append(
            (
                _("You changed what it is about")
                if mine
                else _("Your worker changed what it is about"),
                True,
            )
        )
    return lines


def _road_entries(request, participant):
    """Her road, newest first: at most ROAD_LIMIT entries, and whether there were more.

    Three queries whatever the number of goals, changes and steps."""
    changes = list(
        GoalChange.objects.filter(goal__plan__participant=participant)
        .only(
            "pk",
            "goal_id",
            "changed_by_id",
            "changed_at",
            "fields",
            "status_before",
            "status_after",
            "words_before",
        )
        .order_by("-changed_at", "-pk")[: ROAD_LIMIT + 1]
    )
    steps = list(
        Step.objects.filter(goal__plan__participant=participant, done_on__isnull=False)
        .only("pk", "goal_id", "words", "owner", "done_on")
        .order_by("-done_on", "-pk")[: ROAD_LIMIT + 1]
    )
    goal_ids = {change.goal_id for change in changes}
    goals = {
        goal.pk: goal
        for goal in Goal.objects.filter(plan__participant=participant, pk__in=goal_ids).only(
            "pk", "plan_id", "words"
        )
    }
    entries = []
    for change in changes:
        # her own file is linked to her account: the account that changed it is hers or not
        mine = change.changed_by_id == request.user.pk
        lines = _road_change_lines(change, mine=mine)
        if not lines:
            continue
        day = timezone.localtime(change.changed_at).date()
        # on one day: the goal is written and agreed first, its steps done, then the rest
        first = "created" in change.fields or (
            change.status_before != change.status_after
            and change.status_after == Goal.Status.AGREED
        )
        entries.append(
            {
                "kind": "change",
                "day": day,
                "key": (day, 0 if first else 2, change.changed_at.timestamp(), change.pk),
                "lines": [words for words, _who in lines],
                "who": None if any(who for _words, who in lines) else ("you" if mine else "worker"),
                "goal_words": goals[change.goal_id].words if change.goal_id in goals else "",
                "before": change.words_before if "words" in change.fields else "",
            }
        )
    for step in steps:
        entries.append(
            {
                "kind": "step",
                "day": step.done_on,
                "key": (step.done_on, 1, 0, step.pk),
                "mine": step.owner == Step.Owner.HER,
                "step_words": step.words,
            }
        )
    entries.sort(key=lambda entry: entry["key"], reverse=True)
    return entries[:ROAD_LIMIT], len(entries) > ROAD_LIMIT


def _by_month(entries):
    """Consecutive entries grouped by month: [{"month": date, "entries": [...]}]."""
    months = []
    for entry in entries:
        first_day = entry["day"].replace(day=1)
        if not months or months[-1]["month"] != first_day:
            months.append({"month": first_day, "entries": []})
        months[-1]["entries"].append(entry)
    return months


@never_cache
@require_safe
@role_required(Role.PARTICIPANT)
def portal_road(request):
    """The road travelled: what happened on her goals, newest first, month by month."""
    participant = _her_file_or_404(request)
    entries, more = _road_entries(request, participant)
    return render(
        request,
        "lifeplans/portal/road.html",
        {"months": _by_month(entries), "more": more, "limit": ROAD_LIMIT},
    )


# --- Asking for a correction ---
# She asks for something in her file to be corrected; her key worker answers here. Nothing is
# sent by email or text message: the answer waits in her space.

CORRECTIONS_SHOWN = 50


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@role_required(Role.PARTICIPANT)
def portal_corrections(request):
    """Ask for a correction, in her words; her earlier requests below, with their answers."""
    participant = _her_file_or_404(request)
    form = HerCorrectionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        correction_ask(
            actor=request.user, participant=participant, words=form.cleaned_data["words"]
        )
        messages.success(request, _("Your request is sent. The answer will come here."))
        return redirect("portal_corrections")
    corrections = list(
        CorrectionRequest.objects.visible_to(request.user)
        .only("pk", "participant_id", "words", "created_at", "status", "answer", "answered_at")
        .order_by("-created_at", "-pk")[:CORRECTIONS_SHOWN]
    )
    has_key_worker = Assignment.objects.filter(
        participant=participant, kind=Assignment.Kind.KEY_WORKER, ended_at__isnull=True
    ).exists()
    return render(
        request,
        "lifeplans/portal/corrections.html",
        {"form": form, "corrections": corrections, "has_key_worker": has_key_worker},
    )
