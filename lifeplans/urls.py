from django.urls import path

from lifeplans import views

# --- Staff side ---
urlpatterns = [
    path("<int:pk>/", views.lifeplan_detail, name="lifeplan_detail"),
    path("<int:pk>/goals/new/", views.lifeplan_goal_new, name="lifeplan_goal_new"),
    path(
        "<int:pk>/goals/<int:goal_pk>/agree/", views.lifeplan_goal_agree, name="lifeplan_goal_agree"
    ),
    path("<int:pk>/goals/<int:goal_pk>/edit/", views.lifeplan_goal_edit, name="lifeplan_goal_edit"),
    path(
        "<int:pk>/goals/<int:goal_pk>/history/",
        views.lifeplan_goal_history,
        name="lifeplan_goal_history",
    ),
    path(
        "<int:pk>/goals/<int:goal_pk>/steps/new/",
        views.lifeplan_step_new,
        name="lifeplan_step_new",
    ),
    path("<int:pk>/steps/<int:step_pk>/done/", views.lifeplan_step_done, name="lifeplan_step_done"),
    path("<int:pk>/reviews/new/", views.lifeplan_review_new, name="lifeplan_review_new"),
]

# --- Safety plan ---
urlpatterns += [
    path("<int:pk>/safety/", views.lifeplan_safety, name="lifeplan_safety"),
]

# --- Dream board ---
urlpatterns += [
    path("<int:pk>/dreams/", views.lifeplan_dreams, name="lifeplan_dreams"),
    path("<int:pk>/dreams/new/", views.lifeplan_dream_new, name="lifeplan_dream_new"),
    path(
        "<int:pk>/dreams/<int:item_pk>/picture/",
        views.lifeplan_dream_picture,
        name="lifeplan_dream_picture",
    ),
    path(
        "<int:pk>/dreams/<int:item_pk>/remove/",
        views.lifeplan_dream_remove,
        name="lifeplan_dream_remove",
    ),
]

# --- Strengths ---
urlpatterns += [
    path("<int:pk>/strengths/new/", views.lifeplan_strength_new, name="lifeplan_strength_new"),
    path(
        "<int:pk>/strengths/<int:strength_pk>/remove/",
        views.lifeplan_strength_remove,
        name="lifeplan_strength_remove",
    ),
]

# --- Correction requests: hers, answered by her key worker ---
urlpatterns += [
    path("corrections/", views.lifeplan_corrections, name="lifeplan_corrections"),
    path(
        "corrections/<int:correction_pk>/answer/",
        views.lifeplan_correction_answer,
        name="lifeplan_correction_answer",
    ),
]
