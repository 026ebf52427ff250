"""A program's flow_definition checked before it is stored: one start node, edges between
existing nodes, every node reachable from the start, known node types, delays in bounds.

Each problem names the node (or edge) at fault, so a builder can highlight it.
"""

from __future__ import annotations

from typing import Any

NODE_TYPES = ("start", "send_message", "delay", "end")
MAX_DELAY_HOURS = 24 * 365  # a year: anything longer is a typo, not a coaching plan


def flow_problems(flow: Any) -> list[dict[str, Any]]:
    """What is wrong with `flow` ([] when it is valid), as `{field, node_id, message}`."""
    if not isinstance(flow, dict):
        return [_problem("flow_definition", None, "must be an object with nodes and edges")]
    nodes, edges = flow.get("nodes", []), flow.get("edges", [])
    if not isinstance(nodes, list) or not isinstance(edges, list):
        return [_problem("flow_definition", None, "nodes and edges must be lists")]
    problems: list[dict[str, Any]] = []
    ids: dict[str, dict[str, Any]] = {}
    for n, node in enumerate(nodes):
        node_id = node.get("id") if isinstance(node, dict) else None
        if not isinstance(node_id, str) or not node_id:
            problems.append(_problem(f"nodes[{n}].id", None, "a node needs a string id"))
            continue
        if node_id in ids:
            problems.append(_problem(f"nodes[{n}].id", node_id, "duplicate node id"))
            continue
        ids[node_id] = node
        problems += _node_problems(n, node)
    starts = [i for i, node in ids.items() if node.get("type") == "start"]
    if len(starts) != 1:
        message = f"a flow needs exactly one start node, found {len(starts)}"
        problems.append(_problem("nodes", starts[1] if len(starts) > 1 else None, message))
    following: dict[str, list[str]] = {i: [] for i in ids}
    for n, edge in enumerate(edges):
        if not isinstance(edge, dict):
            problems.append(_problem(f"edges[{n}]", None, "an edge must be an object"))
            continue
        for end in ("source", "target"):
            if edge.get(end) not in ids:
                message = f"edge {edge.get('id')!r} {end} {edge.get(end)!r} is no node"
                problems.append(_problem(f"edges[{n}].{end}", edge.get(end), message))
        if edge.get("source") in ids and edge.get("target") in ids:
            following[edge["source"]].append(edge["target"])
    if len(starts) == 1:
        seen, todo = {starts[0]}, [starts[0]]
        while todo:
            for nxt in following[todo.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        for node_id in ids:
            if node_id not in seen:
                problems.append(_problem("nodes", node_id, "node is unreachable from start"))
    return problems


def _node_problems(n: int, node: dict[str, Any]) -> list[dict[str, Any]]:
    node_id, kind = node["id"], node.get("type")
    if kind not in NODE_TYPES:
        message = f"unknown node type {kind!r} (known: {', '.join(NODE_TYPES)})"
        return [_problem(f"nodes[{n}].type", node_id, message)]
    data = node.get("data") or {}
    if not isinstance(data, dict):
        return [_problem(f"nodes[{n}].data", node_id, "data must be an object")]
    problems = []
    if kind == "send_message" and not (isinstance(data.get("message"), str) and data["message"]):
        problems.append(_problem(f"nodes[{n}].data.message", node_id, "a message is needed"))
    delay = data.get("delay_hours", 0)
    if isinstance(delay, bool) or not isinstance(delay, int | float):
        problems.append(_problem(f"nodes[{n}].data.delay_hours", node_id, "must be a number"))
    elif not 0 <= delay <= MAX_DELAY_HOURS:
        message = f"delay_hours must be between 0 and {MAX_DELAY_HOURS}"
        problems.append(_problem(f"nodes[{n}].data.delay_hours", node_id, message))
    return problems


def _problem(field: str, node_id: Any, message: str) -> dict[str, Any]:
    return {"field": f"flow_definition.{field}", "node_id": node_id, "message": message}
