from django.urls import path

from cases import erasure_views, subject_access_views, views

urlpatterns = [
    path("new/", views.participant_new, name="participant_new"),
    path("<int:pk>/", views.participant_detail, name="participant_detail"),
    path("<int:pk>/edit/", views.participant_edit, name="participant_edit"),
    path("<int:pk>/reveal/<str:field>/", views.participant_reveal, name="participant_reveal"),
    path("<int:pk>/pathway/", views.participant_pathway, name="participant_pathway"),
    path("<int:pk>/invitation/", views.participant_invite_view, name="participant_invite"),
    path("<int:pk>/assignments/", views.participant_assignments, name="participant_assignments"),
    path("search/", views.participant_search, name="participant_search"),
    path("assignments/", views.assignment_list, name="assignment_list"),
    path("assignments/<int:pk>/end/", views.assignment_end_view, name="assignment_end"),
    path("break-glass/", views.break_glass, name="break_glass"),
    path("break-glass/review/", views.break_glass_list, name="break_glass_list"),
    path(
        "break-glass/<int:pk>/reviewed/",
        views.break_glass_mark_reviewed,
        name="break_glass_mark_reviewed",
    ),
]

# Case work in her file. Each feature keeps its own list so their changes stay apart.

# needs assessments
urlpatterns += [
    path("<int:pk>/needs/", views.participant_needs_history, name="participant_needs_history"),
    path("<int:pk>/needs/new/", views.participant_needs_new, name="participant_needs_new"),
]

# case notes
urlpatterns += [
    path("<int:pk>/notes/", views.participant_notes, name="participant_notes"),
    path("<int:pk>/notes/new/", views.participant_note_new, name="participant_note_new"),
]

# appointments
urlpatterns += [
    path(
        "<int:pk>/appointments/new/",
        views.participant_appointment_new,
        name="participant_appointment_new",
    ),
    path(
        "<int:pk>/appointments/<int:appointment_pk>/status/",
        views.participant_appointment_status,
        name="participant_appointment_status",
    ),
]

# partners, consents and referrals
urlpatterns += [
    path("partners/", views.partner_list, name="partner_list"),
    path("partners/new/", views.partner_new, name="partner_new"),
    path("partners/<int:partner_pk>/edit/", views.partner_edit, name="partner_edit"),
    path("<int:pk>/consents/new/", views.participant_consent_new, name="participant_consent_new"),
    path(
        "<int:pk>/consents/<int:consent_pk>/withdraw/",
        views.participant_consent_withdraw,
        name="participant_consent_withdraw",
    ),
    path(
        "<int:pk>/referrals/new/", views.participant_referral_new, name="participant_referral_new"
    ),
    path(
        "<int:pk>/referrals/<int:referral_pk>/",
        views.participant_referral_edit,
        name="participant_referral_edit",
    ),
]

# documents
urlpatterns += [
    path("<int:pk>/documents/new/", views.document_new, name="document_new"),
    path(
        "<int:pk>/documents/<int:document_pk>/download/",
        views.document_download,
        name="document_download",
    ),
    path(
        "<int:pk>/documents/<int:document_pk>/remove/",
        views.document_remove_view,
        name="document_remove",
    ),
]

# duplicates, merging, closing and reopening
urlpatterns += [
    path("merge/", views.participant_merge_view, name="participant_merge"),
    path("<int:pk>/close/", views.participant_close_view, name="participant_close"),
    path("<int:pk>/reopen/", views.participant_reopen_view, name="participant_reopen"),
]

# her rights and retention (issue 10): erasure, legal hold, what retention will do
urlpatterns += [
    path(
        "<int:pk>/anonymise/",
        erasure_views.participant_anonymise_view,
        name="participant_anonymise",
    ),
    path(
        "<int:pk>/legal-hold/", erasure_views.participant_legal_hold, name="participant_legal_hold"
    ),
    path("retention/", erasure_views.retention_overview, name="retention_overview"),
]

# her right of access and to portability (issue 10): everything about her, as PDF or JSON
urlpatterns += [
    path("<int:pk>/her-data/", subject_access_views.subject_access_page, name="subject_access"),
    path(
        "<int:pk>/her-data/<str:fmt>/",
        subject_access_views.subject_access_download,
        name="subject_access_download",
    ),
]
