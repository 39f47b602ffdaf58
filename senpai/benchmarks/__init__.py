"""``senpai bench``: Senpai measured against the physical floor of each step.

Every figure is a ratio or a percentile taken side by side in one run, as the
median over repeated trials after a warm-up, so that it means the same on
another machine:

- :mod:`.retrieval`: ``Index.search`` against a bare query encode, and how
  the search grows with the corpus (and which FAISS index type to use).
- :mod:`.stack`: ``/api/chat`` knowledge turns against small-talk turns (the
  floor: Rasa with no custom action), at 1 and 20 users; memory of each
  process after 1,000 and 5,000 turns; start-up time. Its simulated users
  are in :mod:`.turns`; other users' latency under slow input in
  :mod:`.slow_input`.
- :mod:`.build`: index build throughput and training time.
- :mod:`.report`: the table and ``bench/latest.json``.
"""
