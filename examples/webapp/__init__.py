"""A small web app and the web API it calls, both acting for a signed-in user.

* :mod:`.webapp` signs users in with the auth code flow (``response_mode=form_post``) and
  calls the Orders API with a token acquired for them;
* :mod:`.orders_api` is that API: it validates the caller's token and acquires a token for
  a downstream API on the user's behalf (on-behalf-of, served from the cache when it can);
* :mod:`.deployment` registers both apps and a user in the emulator and serves them on
  loopback; ``python -m examples.webapp`` runs it all and signs a user in once.
"""
