"""The job queue of the GitHub App and ``capstone-eval batch``.

Producers build a ``model.Job`` (what to evaluate and where the result goes) and
call ``jobqueue.JobQueue.open(config).submit(job)``; ``capstone-eval worker``
processes run them (``worker``, ``run``). The embedded default keeps the queue in
a SQLite file in the evaluator's data folder; ``CAPSTONE_EVAL_QUEUE_URL=redis://...``
lets workers on many machines share one. ``backend`` says why huey, ``journal``
why nothing is lost, ``sinks`` how to add a result destination.

Nothing is imported here: ``evaluator.config`` imports ``queue.config``, and the
CLI must start without loading the queue.
"""
