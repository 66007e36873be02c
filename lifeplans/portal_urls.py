"""Her own space, under the neutral prefix "me/"."""

from django.urls import path

from lifeplans import portal_export_views, portal_views

urlpatterns = [
    path("", portal_views.portal_home, name="portal_home"),
    path("goals/new/", portal_views.portal_goal_new, name="portal_goal_new"),
    path("goals/<int:goal_pk>/yes/", portal_views.portal_goal_agree, name="portal_goal_agree"),
    path("goals/<int:goal_pk>/no/", portal_views.portal_goal_let_go, name="portal_goal_let_go"),
    path("steps/<int:step_pk>/", portal_views.portal_step_done, name="portal_step_done"),
    path("words/", portal_views.portal_reflection, name="portal_reflection"),
    # neutral addresses: they stay in the history of a shared phone
    path("notes/", portal_views.portal_safety, name="portal_safety"),
    path("notes/change/", portal_views.portal_safety_edit, name="portal_safety_edit"),
    path("my-plan.pdf", portal_views.portal_plan_pdf, name="portal_plan_pdf"),
]

# --- Dream board ---
urlpatterns += [
    path("dreams/", portal_views.portal_dreams, name="portal_dreams"),
    path("dreams/new/", portal_views.portal_dream_new, name="portal_dream_new"),
    path(
        "dreams/<int:item_pk>/picture/",
        portal_views.portal_dream_picture,
        name="portal_dream_picture",
    ),
    path(
        "dreams/<int:item_pk>/remove/", portal_views.portal_dream_remove, name="portal_dream_remove"
    ),
]

# --- Strengths ---
urlpatterns += [
    path("strengths/", portal_views.portal_strengths, name="portal_strengths"),
    path(
        "strengths/<int:strength_pk>/remove/",
        portal_views.portal_strength_remove,
        name="portal_strength_remove",
    ),
]

# --- The road travelled ---
urlpatterns += [
    path("road/", portal_views.portal_road, name="portal_road"),
]

# --- Asking for a correction ---
urlpatterns += [
    path("corrections/", portal_views.portal_corrections, name="portal_corrections"),
]

# --- What she wrote herself, to keep or take elsewhere ---
urlpatterns += [
    path("my-words.json", portal_export_views.portal_my_words, name="portal_my_words"),
]
