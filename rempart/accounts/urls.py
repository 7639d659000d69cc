from django.urls import path

from rempart.accounts import views

app_name = "accounts"
urlpatterns = [
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("account/", views.profile, name="profile"),
    path("account/tokens/new/", views.api_token_create, name="api_token_create"),
    path(
        "account/tokens/<uuid:public_id>/revoke/", views.api_token_revoke, name="api_token_revoke"
    ),
    path("i18n/language/", views.language_set, name="language_set"),
    path("operator/staff/", views.staff_list, name="staff_list"),
    path("operator/sign-in/", views.sign_in_throttles, name="sign_in_throttles"),
    path("operator/sign-in/unlock/", views.sign_in_unlock, name="sign_in_unlock"),
]
