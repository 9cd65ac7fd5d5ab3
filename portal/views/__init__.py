"""The portal's own pages: home and health check (`home`), the outbox (`outbox`), notification settings
(`notifications`). Every page needs a signed-in user (LoginRequiredMiddleware) unless it says @login_not_required."""
