"""Second-level stores behind the in-memory token cache, one partition at a time.

* :mod:`.files` — :class:`~entraclient.cache.stores.files.FileStore`, for the processes of
  one machine (extra ``file``: ``filelock``);
* :mod:`.redis_store` — ``RedisStore`` and ``AsyncRedisStore``, for many instances (extra
  ``redis``);
* :mod:`.contract` — what every store does; :mod:`.envelope` — how an entry is stored
  (optionally AES-GCM encrypted).

Nothing is imported here, so ``import entraclient`` never loads ``filelock`` or ``redis``.
"""
