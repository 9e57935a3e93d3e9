def add(a, b):
    raise NotImplementedError("add: write this part")


def scale(t, k):
    raise NotImplementedError("scale: write this part")
