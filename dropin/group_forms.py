"""Forms of collective activities and peer groups.

Known participants are offered by their known-as name only: the choices come from
`Participant.objects.at_the_desk()`, which loads nothing else of her file.
"""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Participant
from dropin.models import Activity, PeerGroup, Site
from safespace.models import User
from safespace.roles import Role

NOTES_LIMIT = 5_000
MAX_HEAD_COUNT = 500


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _not_in_the_future(day):
    if day and day > timezone.localdate():
        raise forms.ValidationError(_("This date is in the future."))
    return day


class KnownAsChoiceMixin:
    """Her known-as name as the label of a choice, and nothing else of her file."""

    def label_from_instance(self, obj):
        return obj.known_as


class KnownAsMultipleChoiceField(KnownAsChoiceMixin, forms.ModelMultipleChoiceField):
    pass


class KnownAsChoiceField(KnownAsChoiceMixin, forms.ModelChoiceField):
    pass


def desk_participants():
    return Participant.objects.at_the_desk()


# --- Activities ---


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Activity.Kind.choices)
    title = forms.CharField(
        label=_("Title"),
        max_length=100,
        help_text=_("For example: Tuesday cooking workshop."),
    )
    site = forms.ModelChoiceField(
        label=_("Site"),
        queryset=Site.objects.filter(active=True),
        required=False,
        empty_label=_("No particular site"),
    )

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError(_("Give the activity a title."))
        return title


class ActivitySessionForm(forms.Form):
    """A session of an activity: the date, the known participants present (ticked, found
    by their known-as name) and how many others came."""

    date = forms.DateField(label=_("Date"), widget=_date_input())
    participants = KnownAsMultipleChoiceField(
        label=_("Participants present"),
        queryset=Participant.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    anonymous_count = forms.IntegerField(
        label=_("Others present"),
        help_text=_("People who came without giving a name, or who have no file."),
        min_value=0,
        max_value=MAX_HEAD_COUNT,
        initial=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["participants"].queryset = desk_participants()

    def clean_date(self):
        return _not_in_the_future(self.cleaned_data["date"])


# --- Peer groups ---

FACILITATOR_ROLES = (Role.PEER_WORKER, Role.SOCIAL_WORKER, Role.COORDINATOR)


def possible_facilitators():
    """Active peer workers, social workers and coordinators."""
    return (
        User.objects.filter(
            is_active=True, groups__name__in=[role.value for role in FACILITATOR_ROLES]
        )
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


class FacilitatorChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()


class PeerGroupForm(forms.Form):
    name = forms.CharField(label=_("Name of the group"), max_length=100)
    site = forms.ModelChoiceField(
        label=_("Site"),
        queryset=Site.objects.filter(active=True),
        required=False,
        empty_label=_("No particular site"),
    )
    planned_sessions = forms.IntegerField(
        label=_("Planned sessions"),
        min_value=1,
        max_value=52,
        initial=12,
        help_text=_("Peer groups usually meet about twelve times."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    starts_on = forms.DateField(label=_("Starts on"), widget=_date_input())
    facilitators = FacilitatorChoiceField(
        label=_("Facilitators"),
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Peer workers and staff who run the group. Only they read its notes."),
        error_messages={"required": _("Choose at least one facilitator.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facilitators"].queryset = possible_facilitators()

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Give the group a name."))
        return name


class MemberEnrolForm(forms.Form):
    """Enrol one person, chosen among the known-as names that match what was typed."""

    participant = KnownAsChoiceField(
        label=_("Who joins the group"),
        queryset=Participant.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": _("Find her by her known-as name, then choose her.")},
    )
    enrolled_on = forms.DateField(label=_("Enrolled on"), widget=_date_input())
    without_individual_support = forms.BooleanField(
        label=_("Enrol her all the same"),
        required=False,
        help_text=_(
            "Members usually join after a time of individual support. Tick this if the "
            "team agrees she joins now."
        ),
    )

    def __init__(self, *args, group: PeerGroup, **kwargs):
        super().__init__(*args, **kwargs)
        self.group = group
        self.fields["participant"].queryset = desk_participants()

    def clean_enrolled_on(self):
        return _not_in_the_future(self.cleaned_data["enrolled_on"])


class PeerGroupSessionForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=_date_input())
    attendees = KnownAsMultipleChoiceField(
        label=_("Members present"),
        queryset=Participant.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    facilitator_notes = forms.CharField(
        label=_("Facilitators' notes"),
        required=False,
        max_length=NOTES_LIMIT,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("For the facilitators. Write how the session went, not what members said."),
        error_messages={
            "max_length": _("At most %(limit_value)d characters; this has %(show_value)d.")
        },
    )

    def __init__(self, *args, group: PeerGroup, **kwargs):
        super().__init__(*args, **kwargs)
        self.group = group
        # its current members, by their known-as name (encrypted: sorted here, not in SQL)
        field = self.fields["attendees"]
        field.queryset = Participant.objects.filter(
            peer_groups__group=group, peer_groups__left_on__isnull=True
        ).only("pk", "known_as")
        members = sorted(field.queryset, key=lambda person: person.known_as.casefold())
        field.choices = [(person.pk, person.known_as) for person in members]
        # a browser would cut pasted notes silently; the server says why instead
        self.fields["facilitator_notes"].widget.attrs.pop("maxlength", None)

    def clean_date(self):
        day = _not_in_the_future(self.cleaned_data["date"])
        if day and day < self.group.starts_on:
            raise forms.ValidationError(_("This is before the group starts."))
        return day
