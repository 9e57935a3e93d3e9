"""The untrusted side: a package mounted read-only into the sandbox, on its own.

Inside the sandbox it is importable as ``graderworker`` (not as ``grader.worker``), so
nothing in it may import from the rest of ``grader``: only relative imports, the
standard library, numpy and torch. It holds no secrets; students may read it.
"""
