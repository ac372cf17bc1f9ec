"""The bundled offline demo news web: a generator (``sitegen``) and a loopback server (``server``).

``archive.demo.sitegen.generate(origins)`` builds six small news sites in memory (a policy
magazine and a local paper in a portal template, a Wix-like NGO, a WordPress-like blog, a
Blogger-like blog and an aggregator) with stories republished across them, and returns the
pages together with the ground truth. ``archive.demo.server.serve_demo()`` serves each site on
its own loopback address. Only the standard library is used.
"""
