# ruff: noqa
# exercise: autograd
# status: wrong
# first wrong: a
# on: article
# mistake: mul_own_factor
# A product hands each factor its own value.
LOCAL = {
    # The local derivative of each operation with respect to its operand at `slot`.
    "mul": lambda a, slot: a[slot],
    "add": lambda a, slot: 1.0,
    "sub": lambda a, slot: 1.0 if slot == 0 else -1.0,
    "pow": lambda a, slot: 2 * a[0],  # the square
}


def backward(nodes, values, requires_grad):
    # 1. Which tensors need a gradient: the leaves that require one, and every node that
    #    reads one of them (only those nodes were recorded).
    needs = set(requires_grad)
    recorded = []
    for node in nodes:
        if any(name in needs for name in node["inputs"]):
            needs.add(node["name"])
            recorded.append(node)

    # 2. Walk the recorded nodes in reverse, starting from dL/dL = 1 at the loss.
    grads = {recorded[-1]["name"]: 1.0}
    for node in reversed(recorded):
        incoming = grads[node["name"]]
        operands = [values[name] for name in node["inputs"]]
        for slot, name in enumerate(node["inputs"]):
            if name in needs:
                share = incoming * LOCAL[node["op"]](operands, slot)
                grads[name] = grads.get(name, 0.0) + share  # 3. shares add up
    return grads
