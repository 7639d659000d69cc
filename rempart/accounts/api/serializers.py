"""API serializers of the accounts app."""

from __future__ import annotations

from rest_framework import serializers

from rempart.accounts.models import User


class UserOutputSerializer(serializers.ModelSerializer[User]):
    class Meta:
        model = User
        fields = ["email", "full_name", "language", "is_active", "last_login", "date_joined"]
