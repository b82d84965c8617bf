"""Learner dependencies: resolved and downloaded on the host (wheels only), installed offline.

``plan`` (what the declarations ask, minus what the sandbox already has),
``stubs`` (the sandbox's preinstalled stack as metadata-only wheels for the
host resolver), ``resolve`` (host pip: resolution and download), ``cache``
(the shared wheel cache) and ``layer`` (the offline install container and its
cached image).
"""
