def add(a, b):
    # BEGIN SOLUTION
    return a + b
    # END SOLUTION


def scale(t, k):
    # BEGIN SOLUTION
    return t * k
    # END SOLUTION
