"""The spine files the gates parse, beyond the ones the disconnect checks already declare.

All are `required=False`: a missing binding is the gate's own finding (as in the
bash original, where it fails the gate), while a malformed one fails the
readability test and the gates that need it skip.
"""

from __future__ import annotations

from ...repo import Source


def _binding(name: str, schema: str) -> Source:
    return Source(f"ops/bindings/{name}", schema, required=False)


CAPABILITIES = Source("ops/capabilities.yaml", "capabilities.schema.json", required=False)
READ_SURFACE = _binding("agent.read.surface.yaml", "agent.read.surface.schema.json")
FACT_LOCK = _binding("agent.fact.lock.yaml", "agent.fact.lock.schema.json")
EXTRACTION_MODE = _binding("extraction.mode.yaml", "extraction.mode.schema.json")
EXTRACTION_QUEUE = _binding("extraction.queue.yaml", "extraction.queue.schema.json")
EXCEPTIONS = _binding("legacy.entrypoint.exceptions.yaml", "legacy.entrypoint.exceptions.schema.json")
MAKER_TOOLS = _binding("maker.tools.inventory.yaml", "maker.tools.inventory.schema.json")
CLI_TOOLS = _binding("cli.tools.inventory.yaml", "cli.tools.inventory.schema.json")
SECRETS_POLICY = _binding("secrets.namespace.policy.yaml", "secrets.namespace.policy.schema.json")
HOST_ALLOWLIST = _binding("host.audit.allowlist.yaml", "host.audit.allowlist.schema.json")
OUTPUT_SINKS = _binding("home.output.sinks.yaml", "home.output.sinks.schema.json")
NAMING = _binding("naming.policy.yaml", "naming.policy.schema.json")
SSOT_REGISTRY = Source("docs/governance/SSOT_REGISTRY.yaml", "ssot.registry.schema.json", required=False)
STACK_REGISTRY = Source("docs/governance/STACK_REGISTRY.yaml", "stack.registry.schema.json", required=False)

GATE_SOURCES = (
    CAPABILITIES, READ_SURFACE, FACT_LOCK, EXTRACTION_MODE, EXTRACTION_QUEUE, EXCEPTIONS, MAKER_TOOLS,
    CLI_TOOLS, SECRETS_POLICY, HOST_ALLOWLIST, OUTPUT_SINKS, NAMING, SSOT_REGISTRY, STACK_REGISTRY,
)  # fmt: skip
