"""Exercise: backward() through a recorded graph.

nodes: the operations the forward pass recorded, in the order it ran them; each is a
dict like {"name": "h", "op": "mul", "inputs": ["x", "w1"]}. op is one of
    "mul"  inputs[0] · inputs[1]
    "add"  inputs[0] + inputs[1]
    "sub"  inputs[0] − inputs[1]
    "pow"  inputs[0] ** 2          (one input)
The last node is the loss.
values: every tensor's value by name, the leaves' and the nodes' (the forward pass
has run).
requires_grad: the leaves created with requires_grad=True.

The parts:
    1. which nodes were recorded: those that read a tensor that needs a gradient
    2. the reverse walk, from dL/dL = 1: each node hands each operand that needs a
       gradient its own gradient times the local derivative
    3. a tensor read more than once gets the sum of its shares

Return a dict: the gradient of the loss with respect to every recorded node and
every leaf in requires_grad that some node reads, by name. Save as often as you
like: each save is checked.
"""


def backward(nodes, values, requires_grad):
    grads = {}
    # TODO: 1. the recorded nodes, and every tensor that needs a gradient
    # TODO: 2. walk them in reverse, starting with the loss's gradient, 1
    # TODO: 3. add up the shares of a tensor read more than once
    for node in nodes:
        grads[node["name"]] = None
    for name in requires_grad:
        grads[name] = None
    return grads
