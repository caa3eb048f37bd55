"""Operations anyone may call: the code page's refresh, public keys, health, this document;
and the checkpoint's scan (docs/architecture.md)."""

from __future__ import annotations

from handlers import request_bodies as bodies
from handlers.api_spec.schemas import (
    COLOR,
    MOMENT,
    NULLABLE_COLOR,
    Schema,
    answer,
    body,
    ref,
    refusals,
)

NULLABLE_MOMENT: Schema = {"type": ["string", "null"], "format": "date-time"}

PAGE_CODE: Schema = {
    "type": "object",
    "required": ["color", "color_text", "name", "reasons", "issued_at", "expires_at", "token"],
    "additionalProperties": False,
    "properties": {
        "color": COLOR,
        "color_text": {"type": "string"},
        "name": {"type": "string", "description": "masked"},
        "reasons": {"type": "array", "items": {"type": "string"}},
        "issued_at": MOMENT,
        "expires_at": MOMENT,
        "token": {
            "type": "string",
            "pattern": "^HC1:",
            "description": "the signed token; the page draws its QR (the image: qr.png)",
        },
        "district": {"type": ["string", "null"]},
    },
}
SCAN_REASONS = (
    "prefix",
    "base45",
    "length",
    "format version",
    "unknown region",
    "untrusted issuer",
    "stale trust list",
    "unknown key",
    "bad signature",
    "bad payload",
    "unknown code",
    "expired",
    "not yet valid",
    "revoked",  # a paper code printed again, or its account or family link gone
    "reference token",  # another region's paper code: only its issuer can read it
)
JWKS: Schema = {
    "type": "object",
    "required": ["keys"],
    "properties": {
        "keys": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["kty", "crv", "x", "kid"],
                "properties": {
                    "kty": {"const": "OKP"},
                    "crv": {"const": "Ed25519"},
                    "x": {"type": "string"},
                    "kid": {"type": "string"},
                    "use": {"const": "sig"},
                    "alg": {"const": "EdDSA"},
                },
            },
        },
        "region": {
            "type": "object",
            "description": "the region whose tokens these keys sign",
            "required": ["adcode", "name", "name_en"],
            "properties": {
                "adcode": {"type": "integer"},
                "name": {"type": "string"},
                "name_en": {"type": "string"},
            },
        },
    },
}
HEALTH: Schema = {
    "type": "object",
    "required": ["status", "database"],
    "properties": {
        "status": {"enum": ["ok", "down"]},
        "database": {"enum": ["ok", "unreachable"]},
        "worker": {
            "type": "integer",
            "description": "the process that answered (one of `serve --workers N`)",
        },
    },
}
SCANNED: Schema = {
    "type": "object",
    "required": [
        "verdict",
        "color",
        "name",
        "issued_at",
        "expires_at",
        "reasons",
        "reason",
        "issuer",
        "source",
    ],
    "additionalProperties": False,
    "properties": {
        "verdict": {"enum": ["pass", "deny", "expired", "invalid"]},
        "color": NULLABLE_COLOR,
        "name": {
            "type": ["string", "null"],
            "description": "masked: compare with the person; null for another region's code",
        },
        "issued_at": NULLABLE_MOMENT,
        "expires_at": NULLABLE_MOMENT,
        "reasons": {"type": "array", "items": {"type": "string"}},
        "reason": {
            "type": ["string", "null"],
            "description": "why an expired or invalid token was refused (docs/trust.md)",
            "enum": [None, *SCAN_REASONS],
        },
        "issuer": {
            "type": ["object", "null"],
            "description": "the region that signed the token, once verified",
            "required": ["adcode", "name"],
            "properties": {"adcode": {"type": "integer"}, "name": {"type": "string"}},
        },
        "source": {
            "description": "live: our own code's colour now; signed: the colour another "
            "region signed into its token, verified offline",
            "enum": ["live", "signed", None],
        },
    },
}

LOOKED_UP: Schema = {
    "type": "object",
    "required": ["verdict", "color", "name", "reasons"],
    "additionalProperties": False,
    "properties": {
        "verdict": {"enum": ["pass", "deny"]},
        "color": COLOR,
        "name": {"type": "string", "description": "masked: compare with the person"},
        "reasons": {"type": "array", "items": {"type": "string"}},
    },
}

SCHEMAS: dict[str, Schema] = {
    "LookedUp": LOOKED_UP,
    "PageCode": PAGE_CODE,
    "Jwks": JWKS,
    "Health": HEALTH,
    "Scanned": SCANNED,
}

PATHS = {
    "/c/{ticket}/code.json": {
        "get": {
            "tags": ["code page"],
            "summary": "The code page's refresh: a fresh token's QR for the person of a link",
            "operationId": "pageCode",
            "parameters": [
                {"name": "ticket", "in": "path", "required": True, "schema": {"type": "string"}},
                {
                    "name": "lang",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "string"},
                    "description": "zh or en; anything else: the Accept-Language header's",
                },
            ],
            "responses": {
                "200": answer("The live code.", ref("PageCode")),
                **refusals(404),
            },
        }
    },
    "/api/checkpoint/scan": {
        "post": {
            "tags": ["checkpoint"],
            "summary": "Verify a scanned token and read the live colour",
            "operationId": "checkpointScan",
            "security": [{"checkpointToken": []}],
            "requestBody": body(bodies.Scan),
            "responses": {
                "200": answer("What the checkpoint shows.", ref("Scanned")),
                **refusals(400, 401, 403, 413, 422, 429),
            },
        }
    },
    "/api/checkpoint/lookup": {
        "post": {
            "tags": ["checkpoint"],
            "summary": "The ID-card lane: a person's live code by document number",
            "operationId": "checkpointLookup",
            "security": [{"checkpointToken": []}],
            "requestBody": body(bodies.Lookup),
            "responses": {
                "200": answer("What the checkpoint shows.", ref("LookedUp")),
                **refusals(400, 401, 403, 404, 413, 422, 429),
            },
        }
    },
    "/.well-known/health-code-keys": {
        "get": {
            "tags": ["keys"],
            "summary": "The public keys that verify code tokens (JWKS, OKP/Ed25519)",
            "operationId": "healthCodeKeys",
            "responses": {"200": answer("The key set, current key first.", ref("Jwks"))},
        }
    },
    "/healthz": {
        "get": {
            "tags": ["operations"],
            "summary": "Whether the service can work (its database answers)",
            "operationId": "healthz",
            "responses": {
                "200": answer("Working.", ref("Health")),
                "503": answer("Not working.", ref("Health")),
            },
        }
    },
    "/api/openapi.json": {
        "get": {
            "tags": ["operations"],
            "summary": "This document",
            "operationId": "openapi",
            "responses": {
                "200": answer("OpenAPI 3.1.", {"type": "object", "required": ["openapi"]})
            },
        }
    },
}
