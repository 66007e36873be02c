"""Her own space, under the neutral prefix "me/"."""

from django.urls import path

from lifeplans import portal_views

urlpatterns = [
    path("", portal_views.portal_home, name="portal_home"),
    path("goals/new/", portal_views.portal_goal_new, name="portal_goal_new"),
    path("goals/<int:goal_pk>/yes/", portal_views.portal_goal_agree, name="portal_goal_agree"),
    path("goals/<int:goal_pk>/no/", portal_views.portal_goal_let_go, name="portal_goal_let_go"),
    path("steps/<int:step_pk>/", portal_views.portal_step_done, name="portal_step_done"),
    path("words/", portal_views.portal_reflection, name="portal_reflection"),
    path("keeping-safe/", portal_views.portal_safety, name="portal_safety"),
    path("my-plan.pdf", portal_views.portal_plan_pdf, name="portal_plan_pdf"),
]

# --- The road travelled ---
urlpatterns += [
    path("road/", portal_views.portal_road, name="portal_road"),
]
