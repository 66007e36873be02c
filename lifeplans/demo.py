"""Life plans for the demo caseload: goals at each horizon in her words, steps, reviews,
strengths, a few safety plans and dream-board words. Fictional, calm, repeatable."""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.utils import timezone

from cases.models import Assignment, Participant, RightsDomain
from lifeplans.models import (
    DreamImage,
    DreamItem,
    Goal,
    GoalChange,
    LifePlan,
    Review,
    SafetyPlan,
    Step,
    Strength,
)
from safespace.crypto import encrypt_bytes

SEED = 5
# (horizon, domain, her words, steps as (words, owner))
GOALS = [
    (
        "short",
        RightsDomain.HEALTH,
        "See a doctor about my back pain.",
        [
            ("Book the appointment at the health centre", "her"),
            ("Go with me the first time", "worker"),
        ],
    ),
    (
        "short",
        RightsDomain.ADMINISTRATIVE,
        "Get my papers renewed before the summer.",
        [
            ("Gather the documents for the prefecture", "her"),
            ("Ask the legal aid clinic to check the file", "partner"),
        ],
    ),
    (
        "short",
        RightsDomain.SOCIAL_TIES,
        "Come to the Thursday cooking workshop.",
        [
            ("Come next Thursday at 14:00", "her"),
        ],
    ),
    (
        "medium",
        RightsDomain.HOUSING,
        "Have a room of my own, with a key.",
        [
            ("Fill in the social housing application", "her"),
            ("Send the application with a support letter", "worker"),
            ("Visit the transition flat", "her"),
        ],
    ),
    (
        "medium",
        RightsDomain.INTEGRATION,
        "Speak French well enough to work.",
        [
            ("Sign up for the language class", "her"),
            ("Find a class with childcare", "worker"),
        ],
    ),
    (
        "medium",
        RightsDomain.FINANCIAL,
        "Open a bank account in my name.",
        [
            ("Make an appointment at the bank", "her"),
            ("Bring proof of address from the association", "worker"),
        ],
    ),
    (
        "long",
        RightsDomain.INTEGRATION,
        "Become a pastry cook and have a job I am proud of.",
        [
            ("Visit the bakery training centre", "her"),
            ("Apply for the training in September", "her"),
        ],
    ),
    (
        "long",
        RightsDomain.PARENTHOOD,
        "Live with my daughter again.",
        [
            ("Talk with the family lawyer", "partner"),
        ],
    ),
    ("long", RightsDomain.JUSTICE, "Be heard by a judge, when I feel ready.", []),
]
STRENGTHS = [
    ("cooking, patience", "I can feed ten people with almost nothing."),
    ("languages", "I speak three languages and help others translate."),
    ("courage", "I left. That took courage."),
    ("sewing", "I make clothes for my children."),
]
REFLECTIONS = [
    "I feel stronger than three months ago. The room is still the hardest part.",
    "Some weeks were hard. I kept coming on Thursdays.",
    "I am proud of the papers. Next, French.",
]
WORKER_NOTES = [
    "She led the review herself this time. Housing is the priority she chose.",
    "We agreed to slow down on training until her health is better.",
]
DREAMS = ["A kitchen with a window", "My daughter's laugh", "The sea", "My own name on a door"]


def life_plans_create(*, users: dict, today: date | None = None) -> None:
    """Give the demo's open files a life plan (called after the caseload exists)."""
    today = today or timezone.localdate()
    rng = random.Random(SEED)  # noqa: S311 - a repeatable demo, not a secret
    files = (
        Participant.objects.filter(closed_on__isnull=True, merged_into__isnull=True)
        .only("pk", "reference", "account_id", "opened_on")
        .order_by("reference")
    )
    key_workers = dict(
        Assignment.objects.filter(
            kind=Assignment.Kind.KEY_WORKER, ended_at__isnull=True
        ).values_list("participant_id", "worker_id")
    )
    workers = {user.pk: user for user in users.values()}
    for n, participant in enumerate(files):
        worker = workers.get(key_workers.get(participant.pk))
        if worker is None or n % 5 == 4:
            continue  # not everyone has started a plan
        _plan_create(rng, participant, worker, today)
        if participant.account_id is not None:
            _correction_create(participant, worker)


def _correction_create(participant, worker) -> None:
    """She asked, from her space, for her languages to be corrected; her worker answered."""
    from lifeplans.services import correction_answer, correction_ask

    correction = correction_ask(
        actor=participant.account,
        participant=participant,
        words="I also speak Portuguese, it is missing from my file.",
    )
    correction_answer(
        actor=worker, correction=correction, answer="Thank you, I added Portuguese to your file."
    )


def _plan_create(rng, participant, worker, today) -> None:
    start = max(participant.opened_on, today - timedelta(days=300))
    plan = LifePlan.objects.create(
        participant=participant, next_review_on=today + timedelta(days=rng.randint(-10, 40))
    )
    plan.review_overdue = plan.next_review_on < today
    plan.save(update_fields=["review_overdue"])
    her = participant.account or worker
    for horizon, domain, words, steps in rng.sample(GOALS, rng.randint(3, 6)):
        by_her = rng.random() < 0.5
        proposed_on = start + timedelta(days=rng.randint(0, max((today - start).days - 1, 0)))
        status = rng.choice(
            ["proposed", "agreed", "in_progress", "in_progress", "achieved", "paused", "let_go"]
        )
        if by_her and status in ("proposed", "let_go"):
            status = "agreed"
        agreed = status not in ("proposed", "let_go")
        goal = Goal.objects.create(
            plan=plan,
            horizon=horizon,
            domain=domain,
            words=words,
            proposed_by=Goal.Proposer.HER if by_her else Goal.Proposer.WORKER,
            proposed_by_user=her if by_her else worker,
            status=status,
            agreed_on=proposed_on if agreed else None,
        )
        GoalChange.objects.create(
            goal=goal,
            changed_by=worker,
            fields=["status"],
            status_before="proposed",
            status_after=status,
        )
        for words, owner in steps:
            done = status == "achieved" or (agreed and rng.random() < 0.4)
            Step.objects.create(
                goal=goal,
                words=words,
                owner=owner,
                due_on=today + timedelta(days=rng.randint(5, 60)) if not done else None,
                done_on=proposed_on + timedelta(days=rng.randint(3, 30)) if done else None,
                created_by=worker,
            )
    for k in range(rng.randint(0, 2)):
        Review.objects.create(
            plan=plan,
            reviewed_on=today - timedelta(days=30 + 60 * k),
            her_reflection=rng.choice(REFLECTIONS),
            worker_note=rng.choice(WORKER_NOTES),
            recorded_by=worker,
        )
    tags, words = rng.choice(STRENGTHS)
    Strength.objects.create(plan=plan, tags=tags, words=words, recorded_by=worker)
    if rng.random() < 0.5:
        SafetyPlan.objects.create(
            plan=plan,
            strategies="Keep my phone charged. Leave by the back door if he comes.",
            safe_places="The drop-in centre; my friend's flat near the market.",
            trusted_contacts="My worker at the drop-in; my cousin.",
            code_words='"Is the bakery open?" means: come and get me.',
            updated_by=worker,
        )
    for n, dream in enumerate(rng.sample(DREAMS, 2)):
        item = DreamItem.objects.create(
            plan=plan,
            year=today.year,
            words=dream,
            added_by=her,
            content_type="image/png" if n == 0 else "",
        )
        if n == 0:  # a drawn picture (a sun over hills), as a photo from her phone would be
            DreamImage.objects.create(item=item, token=encrypt_bytes(_dream_picture(rng)))


# calm colours for the demo's drawn pictures: (sky, sun, hills)
PALETTES = [
    ("#cfe8f3", "#f6c85f", "#6a9f7e"),
    ("#f3e1cf", "#f28f6b", "#8a7fb5"),
    ("#e3f1e6", "#fbd46d", "#4f8a8b"),
]


def _dream_picture(rng) -> bytes:
    from io import BytesIO

    from PIL import Image, ImageDraw

    sky, sun, hills = rng.choice(PALETTES)
    image = Image.new("RGB", (320, 240), sky)
    draw = ImageDraw.Draw(image)
    x = rng.randint(60, 260)
    draw.ellipse((x - 28, 40, x + 28, 96), fill=sun)
    draw.ellipse((-80, 150, 200, 330), fill=hills)
    draw.ellipse((120, 170, 420, 360), fill=hills)
    out = BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()
