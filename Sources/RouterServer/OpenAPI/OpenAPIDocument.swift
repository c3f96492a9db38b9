/// The OpenAPI 3.1 description of every route the router serves, served at `GET /openapi.json`.
///
/// The one copy of the API contract: `OpenAPIDocumentTests` compares its paths and methods with
/// the server's route table both ways, and `scripts/schemathesis-test.py` fuzzes the running
/// server against it. Add a route here in the same change that registers it.
public enum OpenAPIDocument {
    /// The document, JSON text.
    public static let json = #"""
{
  "openapi": "3.1.0",
  "info": {
    "title": "RetentionRouter",
    "version": "0.1.0",
    "description": "Routes Chargebee Retention cancel-flow events to Segment, signed webhooks and files, durably. Every error is `{\"error\": {\"code\", \"message\", \"field\"}}` with its own status; an unknown path answers 404 `not_found` and a known path with another method 405 `method_not_allowed` with `Allow`. The operator console's HTML pages under `/console/` are not described here: they are a browser view (session cookie, CSRF forms) over the JSON routes below."
  },
  "servers": [
    {
      "url": "/"
    }
  ],
  "tags": [
    {
      "name": "ingest"
    },
    {
      "name": "operations",
      "description": "Where is event X, what failed, send it again. Admin token."
    },
    {
      "name": "admin",
      "description": "Live configuration. Admin token."
    },
    {
      "name": "health"
    }
  ],
  "security": [
    {
      "adminToken": []
    }
  ],
  "paths": {
    "/v1/tenants/{tenant}/events": {
      "parameters": [
        {
          "name": "tenant",
          "in": "path",
          "required": true,
          "description": "Tenant name: 1 to 64 letters, digits, `-` or `_`.",
          "schema": {
            "type": "string",
            "pattern": "^[A-Za-z0-9_-]{1,64}$"
          }
        }
      ],
      "post": {
        "operationId": "ingestEvents",
        "summary": "Ingest one event or a batch",
        "description": "Authenticated by the tenant's signature scheme over the exact body bytes. Nothing is stored unless the whole request is valid; 202 is sent only after the events are durable.",
        "tags": [
          "ingest"
        ],
        "responses": {
          "202": {
            "description": "Accepted and durable.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/IngestAccepted"
                }
              }
            },
            "links": {
              "GetEventStatus": {
                "operationId": "getEventStatus",
                "parameters": {
                  "tenant": "$request.path.tenant",
                  "id": "$response.body#/ids/0"
                },
                "description": "The first event's delivery status."
              },
              "ReplayEvent": {
                "operationId": "replayDeadLetters",
                "parameters": {
                  "tenant": "$request.path.tenant"
                },
                "requestBody": {
                  "id": "$response.body#/ids/0"
                },
                "description": "Replay the first event where it is a dead letter."
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/MalformedJSON"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "404": {
            "$ref": "#/components/responses/UnknownTenant"
          },
          "408": {
            "$ref": "#/components/responses/RequestTimeout"
          },
          "413": {
            "$ref": "#/components/responses/TooLarge"
          },
          "422": {
            "$ref": "#/components/responses/InvalidField"
          },
          "429": {
            "description": "Over the tenant's `rateLimit` (`rate_limited`).",
            "headers": {
              "Retry-After": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          }
        },
        "security": [
          {
            "hubSignature": []
          },
          {
            "hubSignature256": []
          },
          {
            "standardWebhooks": []
          }
        ],
        "requestBody": {
          "required": true,
          "description": "One event or `{\"batch\": [...]}`; at most `maxRequestBytes` (default 1 MiB).",
          "content": {
            "application/json": {
              "schema": {
                "anyOf": [
                  {
                    "$ref": "#/components/schemas/IngestEvent"
                  },
                  {
                    "$ref": "#/components/schemas/IngestBatch"
                  }
                ]
              },
              "example": {
                "event": "accept_offer",
                "messageId": "1c296cd0-509f-477e-bbc2-bd07e5b33d06",
                "properties": {
                  "app_id": "app_123",
                  "user_id": "u_1"
                },
                "timestamp": "2026-11-30T00:00:00Z"
              }
            }
          }
        }
      },
      "get": {
        "operationId": "searchEvents",
        "summary": "Search a tenant's events",
        "description": "Newest first; the console's event search.",
        "tags": [
          "operations"
        ],
        "responses": {
          "200": {
            "description": "A page of events.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/EventPage"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "description": "The viewer token searching property values (`q`) of a tenant that masks properties (`viewer_read_only`, field `q`).",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "$ref": "#/components/responses/UnknownTenant"
          },
          "422": {
            "$ref": "#/components/responses/InvalidField"
          }
        },
        "parameters": [
          {
            "name": "id",
            "in": "query",
            "required": false,
            "description": "Exact event id.",
            "schema": {
              "type": "string"
            }
          },
          {
            "name": "type",
            "in": "query",
            "required": false,
            "description": "Event type.",
            "schema": {
              "type": "string",
              "enum": [
                "page_loaded",
                "watchlist",
                "cancel",
                "save",
                "deflect",
                "email",
                "link",
                "chat",
                "accept_offer",
                "schedule"
              ]
            }
          },
          {
            "name": "destination",
            "in": "query",
            "required": false,
            "description": "Only this destination.",
            "schema": {
              "type": "string",
              "pattern": "^[A-Za-z0-9_-]{1,64}$"
            }
          },
          {
            "name": "state",
            "in": "query",
            "required": false,
            "description": "State at `destination` (`not_routed` needs `destination`).",
            "schema": {
              "type": "string",
              "enum": [
                "pending",
                "delivered",
                "retrying",
                "dead",
                "not_routed"
              ]
            }
          },
          {
            "name": "from",
            "in": "query",
            "required": false,
            "description": "Received at or after.",
            "schema": {
              "type": "string",
              "format": "date-time"
            }
          },
          {
            "name": "to",
            "in": "query",
            "required": false,
            "description": "Received before.",
            "schema": {
              "type": "string",
              "format": "date-time"
            }
          },
          {
            "name": "q",
            "in": "query",
            "required": false,
            "description": "Text a property value contains: at most 200 bytes of UTF-8 (the schema's 50 characters always fit).",
            "schema": {
              "type": "string",
              "maxLength": 50
            }
          },
          {
            "name": "limit",
            "in": "query",
            "required": false,
            "description": "Page size, 1 to 200 (default 50).",
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 200,
              "default": 50
            }
          },
          {
            "name": "cursor",
            "in": "query",
            "required": false,
            "description": "The `next` value of the previous page.",
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 9223372036854775807
            }
          }
        ],
        "security": [
          {
            "adminToken": []
          }
        ]
      }
    },
    "/v1/tenants/{tenant}/events/{id}": {
      "parameters": [
        {
          "name": "tenant",
          "in": "path",
          "required": true,
          "description": "Tenant name: 1 to 64 letters, digits, `-` or `_`.",
          "schema": {
            "type": "string",
            "pattern": "^[A-Za-z0-9_-]{1,64}$"
          }
        },
        {
          "name": "id",
          "in": "path",
          "required": true,
          "description": "Event id (the `messageId` sent, or the one assigned), percent-encoded.",
          "schema": {
            "type": "string",
            "minLength": 1,
            "maxLength": 100
          }
        }
      ],
      "get": {
        "operationId": "getEventStatus",
        "summary": "An event and its delivery status",
        "description": "Per destination: state, attempts, why; the destinations it was not routed to.",
        "tags": [
          "operations"
        ],
        "responses": {
          "200": {
            "description": "The event and its status.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/EventStatus"
                }
              }
            },
            "links": {
              "ReplayEvent": {
                "operationId": "replayDeadLetters",
                "parameters": {
                  "tenant": "$request.path.tenant"
                },
                "requestBody": {
                  "id": "$response.body#/event/id"
                },
                "description": "Replay it where it is a dead letter."
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "description": "No such tenant (`unknown_tenant`) or event (`unknown_event`, field `id`).",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "security": [
          {
            "adminToken": []
          }
        ],
        "parameters": [
          {
            "name": "reveal",
            "in": "query",
            "required": false,
            "description": "`true` shows the values of the tenant's masked properties (`console.maskProperties`) instead of `••••`. Admin token only (the viewer token gets 403); recorded in the audit log.",
            "schema": {
              "type": "string",
              "enum": [
                "true",
                "false"
              ]
            }
          }
        ]
      }
    },
    "/v1/tenants/{tenant}/dead-letters": {
      "parameters": [
        {
          "name": "tenant",
          "in": "path",
          "required": true,
          "description": "Tenant name: 1 to 64 letters, digits, `-` or `_`.",
          "schema": {
            "type": "string",
            "pattern": "^[A-Za-z0-9_-]{1,64}$"
          }
        }
      ],
      "get": {
        "operationId": "listDeadLetters",
        "summary": "List dead letters",
        "description": "Oldest first.",
        "tags": [
          "operations"
        ],
        "responses": {
          "200": {
            "description": "A page of dead letters.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/DeadLetterPage"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "404": {
            "$ref": "#/components/responses/UnknownTenant"
          },
          "422": {
            "$ref": "#/components/responses/InvalidField"
          }
        },
        "parameters": [
          {
            "name": "destination",
            "in": "query",
            "required": false,
            "description": "Only this destination.",
            "schema": {
              "type": "string",
              "pattern": "^[A-Za-z0-9_-]{1,64}$"
            }
          },
          {
            "name": "reason",
            "in": "query",
            "required": false,
            "description": "Reason code, e.g. `http_4xx`.",
            "schema": {
              "type": "string"
            }
          },
          {
            "name": "since",
            "in": "query",
            "required": false,
            "description": "Failed at or after (alias `from`).",
            "schema": {
              "type": "string",
              "format": "date-time"
            }
          },
          {
            "name": "from",
            "in": "query",
            "required": false,
            "description": "Alias of `since`.",
            "schema": {
              "type": "string",
              "format": "date-time"
            }
          },
          {
            "name": "until",
            "in": "query",
            "required": false,
            "description": "Failed before (alias `to`).",
            "schema": {
              "type": "string",
              "format": "date-time"
            }
          },
          {
            "name": "to",
            "in": "query",
            "required": false,
            "description": "Alias of `until`.",
            "schema": {
              "type": "string",
              "format": "date-time"
            }
          },
          {
            "name": "limit",
            "in": "query",
            "required": false,
            "description": "Page size, 1 to 1000 (default 100).",
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 1000,
              "default": 100
            }
          },
          {
            "name": "cursor",
            "in": "query",
            "required": false,
            "description": "The `next` value of the previous page (`SEQUENCE:DESTINATION`).",
            "schema": {
              "type": "string",
              "pattern": "^[0-9]{1,18}:[A-Za-z0-9_-]{1,64}$"
            }
          }
        ],
        "security": [
          {
            "adminToken": []
          }
        ]
      }
    },
    "/v1/tenants/{tenant}/dead-letters/count": {
      "parameters": [
        {
          "name": "tenant",
          "in": "path",
          "required": true,
          "description": "Tenant name: 1 to 64 letters, digits, `-` or `_`.",
          "schema": {
            "type": "string",
            "pattern": "^[A-Za-z0-9_-]{1,64}$"
          }
        }
      ],
      "get": {
        "operationId": "countDeadLetters",
        "summary": "Count dead letters",
        "description": "Counts what a filter matches, up to a cut-off that replay-matching can reuse.",
        "tags": [
          "operations"
        ],
        "responses": {
          "200": {
            "description": "The count.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/DeadLetterCount"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "404": {
            "$ref": "#/components/responses/UnknownTenant"
          },
          "422": {
            "$ref": "#/components/responses/InvalidField"
          }
        },
        "parameters": [
          {
            "name": "destination",
            "in": "query",
            "required": false,
            "description": "Only this destination.",
            "schema": {
              "type": "string",
              "pattern": "^[A-Za-z0-9_-]{1,64}$"
            }
          },
          {
            "name": "reason",
            "in": "query",
            "required": false,
            "description": "Reason code, e.g. `http_4xx`.",
            "schema": {
              "type": "string"
            }
          },
          {
            "name": "since",
            "in": "query",
            "required": false,
            "description": "Failed at or after (alias `from`).",
            "schema": {
              "type": "string",
              "format": "date-time"
            }
          },
          {
            "name": "from",
            "in": "query",
            "required": false,
            "description": "Alias of `since`.",
            "schema": {
              "type": "string",
              "format": "date-time"
            }
          },
          {
            "name": "until",
            "in": "query",
            "required": false,
            "description": "Failed before (alias `to`).",
            "schema": {
              "type": "string",
              "format": "date-time"
            }
          },
          {
            "name": "to",
            "in": "query",
            "required": false,
            "description": "Alias of `until`.",
            "schema": {
              "type": "string",
              "format": "date-time"
            }
          }
        ],
        "security": [
          {
            "adminToken": []
          }
        ]
      }
    },
    "/v1/tenants/{tenant}/dead-letters/replay": {
      "parameters": [
        {
          "name": "tenant",
          "in": "path",
          "required": true,
          "description": "Tenant name: 1 to 64 letters, digits, `-` or `_`.",
          "schema": {
            "type": "string",
            "pattern": "^[A-Za-z0-9_-]{1,64}$"
          }
        }
      ],
      "post": {
        "operationId": "replayDeadLetters",
        "summary": "Replay dead letters",
        "description": "Puts the selected dead letters back in their destination's queue.",
        "tags": [
          "operations"
        ],
        "responses": {
          "200": {
            "description": "What was replayed.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ReplayResult"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/MalformedJSON"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/UnknownTenant"
          },
          "408": {
            "$ref": "#/components/responses/RequestTimeout"
          },
          "413": {
            "$ref": "#/components/responses/TooLarge"
          },
          "422": {
            "$ref": "#/components/responses/InvalidField"
          }
        },
        "security": [
          {
            "adminToken": []
          }
        ],
        "requestBody": {
          "required": true,
          "description": "At most 1 MiB.",
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/ReplayRequest"
              }
            }
          }
        }
      }
    },
    "/v1/tenants/{tenant}/destinations/{destination}/preview": {
      "parameters": [
        {
          "name": "tenant",
          "in": "path",
          "required": true,
          "description": "Tenant name: 1 to 64 letters, digits, `-` or `_`.",
          "schema": {
            "type": "string",
            "pattern": "^[A-Za-z0-9_-]{1,64}$"
          }
        },
        {
          "name": "destination",
          "in": "path",
          "required": true,
          "description": "Destination id within the tenant.",
          "schema": {
            "type": "string",
            "pattern": "^[A-Za-z0-9_-]{1,64}$"
          }
        }
      ],
      "post": {
        "operationId": "previewDestination",
        "summary": "Show what a destination would send",
        "description": "Routes the events in the body (shaped like an ingest body, unsigned) as ingest would, applies the destination's `events` list and `transform`, and answers exactly what it would send: the Segment batch body, the webhook request with its headers and signature, or the file lines. Nothing is stored or sent; secrets are shown as `••••`.",
        "tags": [
          "operations"
        ],
        "requestBody": {
          "required": true,
          "description": "One event or `{\"batch\": [...]}`, as a source would POST it; at most 1 MiB.",
          "content": {
            "application/json": {
              "schema": {
                "anyOf": [
                  {
                    "$ref": "#/components/schemas/IngestEvent"
                  },
                  {
                    "$ref": "#/components/schemas/IngestBatch"
                  }
                ]
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "What the destination would do with each event.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/PreviewReport"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/MalformedJSON"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "description": "No such tenant (`unknown_tenant`) or destination (`unknown_destination`).",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "408": {
            "$ref": "#/components/responses/RequestTimeout"
          },
          "413": {
            "$ref": "#/components/responses/TooLarge"
          },
          "422": {
            "$ref": "#/components/responses/InvalidField"
          }
        },
        "security": [
          {
            "adminToken": []
          }
        ]
      }
    },
    "/v1/tenants/{tenant}/destinations/{destination}/retry-now": {
      "parameters": [
        {
          "name": "tenant",
          "in": "path",
          "required": true,
          "description": "Tenant name: 1 to 64 letters, digits, `-` or `_`.",
          "schema": {
            "type": "string",
            "pattern": "^[A-Za-z0-9_-]{1,64}$"
          }
        },
        {
          "name": "destination",
          "in": "path",
          "required": true,
          "description": "Destination id within the tenant.",
          "schema": {
            "type": "string",
            "pattern": "^[A-Za-z0-9_-]{1,64}$"
          }
        }
      ],
      "post": {
        "operationId": "retryNow",
        "summary": "Retry a destination now",
        "description": "Lifts the destination's backoff and makes its waiting retries due now (after fixing a receiver).",
        "tags": [
          "operations"
        ],
        "responses": {
          "200": {
            "description": "How many retries were made due.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/RetryNowResult"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "description": "No such tenant (`unknown_tenant`) or destination (`unknown_destination`).",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "security": [
          {
            "adminToken": []
          }
        ]
      }
    },
    "/v1/tenants": {
      "get": {
        "operationId": "listTenants",
        "summary": "List tenants",
        "description": "The configured tenants and their destinations (no secrets).",
        "tags": [
          "operations"
        ],
        "responses": {
          "200": {
            "description": "The tenants.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/TenantList"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          }
        },
        "security": [
          {
            "adminToken": []
          }
        ]
      }
    },
    "/v1/destinations/health": {
      "get": {
        "operationId": "destinationHealth",
        "summary": "Every destination's health",
        "description": "The console overview: counts, backlog, failures, per-minute chart.",
        "tags": [
          "operations"
        ],
        "responses": {
          "200": {
            "description": "One row per tenant x destination.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/DestinationHealthList"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          }
        },
        "security": [
          {
            "adminToken": []
          }
        ]
      }
    },
    "/v1/admin/reload": {
      "post": {
        "operationId": "reloadConfiguration",
        "summary": "Reload the tenants folder",
        "description": "Applies it live when every file is valid; otherwise the running configuration stays.",
        "tags": [
          "admin"
        ],
        "responses": {
          "200": {
            "description": "Reloaded.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ReloadSummary"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "422": {
            "description": "The configuration was refused (`invalid_config`); `errors` lists every problem.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "security": [
          {
            "adminToken": []
          }
        ]
      }
    },
    "/v1/admin/tenants/{tenant}": {
      "parameters": [
        {
          "name": "tenant",
          "in": "path",
          "required": true,
          "description": "Tenant name: 1 to 64 letters, digits, `-` or `_`.",
          "schema": {
            "type": "string",
            "pattern": "^[A-Za-z0-9_-]{1,64}$"
          }
        }
      ],
      "put": {
        "operationId": "putTenant",
        "summary": "Create or replace a tenant",
        "description": "Validates the tenant file, writes it atomically into the tenants folder and reloads.",
        "tags": [
          "admin"
        ],
        "responses": {
          "200": {
            "description": "Written and reloaded.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ReloadSummary"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "408": {
            "$ref": "#/components/responses/RequestTimeout"
          },
          "413": {
            "$ref": "#/components/responses/TooLarge"
          },
          "422": {
            "description": "The tenant was refused (`invalid_config`); `errors` lists every problem.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "security": [
          {
            "adminToken": []
          }
        ],
        "requestBody": {
          "required": true,
          "description": "The tenant file; at most 1 MiB.",
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/TenantConfiguration"
              }
            }
          }
        }
      }
    },
    "/v1/tenants/{tenant}/destinations/{destination}/test": {
      "parameters": [
        {
          "name": "tenant",
          "in": "path",
          "required": true,
          "description": "Tenant name: 1 to 64 letters, digits, `-` or `_`.",
          "schema": {
            "type": "string",
            "pattern": "^[A-Za-z0-9_-]{1,64}$"
          }
        },
        {
          "name": "destination",
          "in": "path",
          "required": true,
          "description": "Destination id within the tenant.",
          "schema": {
            "type": "string",
            "pattern": "^[A-Za-z0-9_-]{1,64}$"
          }
        }
      ],
      "post": {
        "operationId": "testSend",
        "summary": "Send a test event to one destination",
        "description": "Sends a synthetic `page_loaded` (or the first type the destination takes) through the destination's real delivery code: its transform, encoder, signature and HTTP client or file. The event is marked as a test: its id starts with `rr-test-` (a prefix ingest refuses), its properties hold `\"rr_test\": true`, and its identity is `rr-test-account` / `rr-test-user`. It is not stored or queued; the answer says what the destination did, within 20 s.",
        "tags": [
          "operations"
        ],
        "responses": {
          "200": {
            "description": "What the destination answered.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/TestSendResult"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "description": "No such tenant (`unknown_tenant`) or destination (`unknown_destination`).",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "security": [
          {
            "adminToken": []
          }
        ]
      }
    },
    "/v1/admin/validate": {
      "post": {
        "operationId": "validateConfiguration",
        "summary": "Check the tenants folder as it is on disk",
        "description": "Runs the checks a reload (and `retention-router validate`) runs, and applies nothing.",
        "tags": [
          "admin"
        ],
        "responses": {
          "200": {
            "description": "Every problem, each with its file and JSON path; `valid` when there is none.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ValidationResult"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          }
        },
        "security": [
          {
            "adminToken": []
          }
        ]
      }
    },
    "/v1/admin/config": {
      "get": {
        "operationId": "getConfiguration",
        "summary": "The running configuration, secrets masked",
        "description": "Every tenant and destination as loaded. Secrets are shown as `••••` with where they come from (`•••• (env NAME)` or `•••• (inline)`); values under secret-like names and every header value are masked, and a URL's user info.",
        "tags": [
          "admin"
        ],
        "responses": {
          "200": {
            "description": "The tenants.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ConfigurationView"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          }
        },
        "security": [
          {
            "adminToken": []
          }
        ]
      }
    },
    "/healthz": {
      "get": {
        "operationId": "health",
        "summary": "Liveness and build",
        "description": "The process is up and serving HTTP; which version and commit it runs.",
        "tags": [
          "health"
        ],
        "responses": {
          "200": {
            "description": "Up.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Health"
                }
              }
            }
          }
        },
        "security": []
      }
    },
    "/readyz": {
      "get": {
        "operationId": "ready",
        "summary": "Readiness",
        "description": "Point load-balancer health checks here: 503 once shutdown has begun.",
        "tags": [
          "health"
        ],
        "responses": {
          "200": {
            "description": "Ready.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Ready"
                }
              }
            }
          },
          "503": {
            "description": "Shutting down.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Ready"
                }
              }
            }
          }
        },
        "security": []
      }
    },
    "/metrics": {
      "get": {
        "operationId": "metrics",
        "summary": "Prometheus metrics",
        "description": "Text exposition format, including `router_build_info{version,commit} 1`.",
        "tags": [
          "health"
        ],
        "responses": {
          "200": {
            "description": "Metrics.",
            "content": {
              "text/plain": {
                "schema": {
                  "type": "string"
                }
              }
            }
          }
        },
        "security": []
      }
    },
    "/openapi.json": {
      "get": {
        "operationId": "openAPI",
        "summary": "This document",
        "description": "The OpenAPI 3.1 description of every route.",
        "tags": [
          "health"
        ],
        "responses": {
          "200": {
            "description": "The document.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object"
                }
              }
            }
          }
        },
        "security": []
      }
    },
    "/v1/tenants/{tenant}/events/{id}/payload": {
      "parameters": [
        {
          "name": "tenant",
          "in": "path",
          "required": true,
          "description": "Tenant name: 1 to 64 letters, digits, `-` or `_`.",
          "schema": {
            "type": "string",
            "pattern": "^[A-Za-z0-9_-]{1,64}$"
          }
        },
        {
          "name": "id",
          "in": "path",
          "required": true,
          "description": "Event id (the `messageId` sent, or the one assigned), percent-encoded.",
          "schema": {
            "type": "string",
            "minLength": 1,
            "maxLength": 100
          }
        }
      ],
      "delete": {
        "operationId": "erasePayload",
        "summary": "Erase an event's payload",
        "description": "Replaces the event's properties by a tombstone in the store (SQLite: overwritten with zeros and, after the store's clean-up step, gone from the write-ahead log too; PostgreSQL: the row is updated, and the old row version stays until vacuum). The event's id, type, times and delivery record stay. Every delivery still waiting (at the head or as a retry) becomes a dead letter `erased` that is never replayed. Erasing again changes nothing (`alreadyErased`). Recorded in the audit log (`erase`).",
        "tags": [
          "operations"
        ],
        "responses": {
          "200": {
            "description": "What the erasure did.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ErasureResult"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "description": "No such tenant (`unknown_tenant`) or event (`unknown_event`, field `id`).",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "security": [
          {
            "adminToken": []
          }
        ]
      }
    },
    "/v1/tenants/{tenant}/erasures": {
      "parameters": [
        {
          "name": "tenant",
          "in": "path",
          "required": true,
          "description": "Tenant name: 1 to 64 letters, digits, `-` or `_`.",
          "schema": {
            "type": "string",
            "pattern": "^[A-Za-z0-9_-]{1,64}$"
          }
        }
      ],
      "post": {
        "operationId": "eraseMatching",
        "summary": "Erase every event of a property value",
        "description": "Erases, as `DELETE .../payload` does, every event of the tenant whose top-level property named exactly `property` (names may contain dots: `field.cancel.email` is one name) has the value `value`: a JSON string equal to it (exact Unicode scalars, no case folding), or a number written exactly so. With `dryRun: true` only counts (`matched`); do that first. The store is scanned 1,000 events at a time, so ingest and delivery go on meanwhile. Recorded in the audit log (`erase_matching`, with the property's name and the count, never the value).",
        "tags": [
          "operations"
        ],
        "responses": {
          "200": {
            "description": "The count (dry run) or what was erased.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/BulkErasureResult"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/MalformedJSON"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/UnknownTenant"
          },
          "408": {
            "$ref": "#/components/responses/RequestTimeout"
          },
          "413": {
            "$ref": "#/components/responses/TooLarge"
          },
          "422": {
            "$ref": "#/components/responses/InvalidField"
          }
        },
        "security": [
          {
            "adminToken": []
          }
        ],
        "requestBody": {
          "required": true,
          "description": "At most 64 KiB.",
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/BulkErasureRequest"
              }
            }
          }
        }
      }
    },
    "/v1/audit": {
      "get": {
        "operationId": "listAudit",
        "summary": "The audit log",
        "description": "Who did what, when and from where (sign-ins, replays, test sends, reloads, reveals, erasures), newest first. Kept in the store, so it survives restarts and is shared by the instances of a PostgreSQL store; pruned with the other records (`recordRetentionDays`).",
        "tags": [
          "operations"
        ],
        "parameters": [
          {
            "name": "action",
            "in": "query",
            "required": false,
            "description": "Only entries of this action.",
            "schema": {
              "type": "string",
              "enum": [
                "sign_in",
                "sign_in_failed",
                "replay",
                "retry_now",
                "test_send",
                "validate",
                "reload",
                "reveal",
                "erase",
                "erase_matching"
              ]
            }
          },
          {
            "name": "tenant",
            "in": "query",
            "required": false,
            "description": "Only entries that touched this tenant.",
            "schema": {
              "type": "string",
              "pattern": "^[A-Za-z0-9_-]{1,64}$"
            }
          },
          {
            "name": "limit",
            "in": "query",
            "required": false,
            "description": "Page size, 1 to 1000 (default 100).",
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 1000,
              "default": 100
            }
          },
          {
            "name": "cursor",
            "in": "query",
            "required": false,
            "description": "The `next` value of the previous page.",
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 9223372036854775807
            }
          }
        ],
        "responses": {
          "200": {
            "description": "One page of entries.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/AuditPage"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "422": {
            "$ref": "#/components/responses/InvalidField"
          }
        },
        "security": [
          {
            "adminToken": []
          }
        ]
      }
    }
  },
  "components": {
    "securitySchemes": {
      "adminToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "The admin token from router.json `adminToken` (by default `$ROUTER_ADMIN_TOKEN`) opens every route. The viewer token (`viewerToken`, by default `$ROUTER_VIEWER_TOKEN`) opens the routes that read (masked values) and gets 403 `viewer_read_only` elsewhere. Without either configured the routes answer 401 `admin_disabled`."
      },
      "hubSignature": {
        "type": "apiKey",
        "in": "header",
        "name": "x-hub-signature",
        "description": "Lowercase hex HMAC-SHA1 of the raw body with the tenant's secret, optionally prefixed `sha1=` (what Chargebee Retention sends)."
      },
      "hubSignature256": {
        "type": "apiKey",
        "in": "header",
        "name": "x-hub-signature-256",
        "description": "`sha256=` + hex HMAC-SHA256 of the raw body."
      },
      "standardWebhooks": {
        "type": "apiKey",
        "in": "header",
        "name": "webhook-signature",
        "description": "Standard Webhooks v1: `webhook-id`, `webhook-timestamp` (within 5 minutes) and `webhook-signature` (`v1,` + base64 HMAC-SHA256 of `id.timestamp.body` with a `whsec_` secret)."
      }
    },
    "headers": {
      "RetryAfter": {
        "description": "Seconds to wait before retrying.",
        "schema": {
          "type": "integer",
          "minimum": 1
        }
      }
    },
    "responses": {
      "Unauthorized": {
        "description": "Missing, malformed or wrong credentials (`missing_token`, `wrong_token`, `admin_disabled` when no admin token is configured; for ingest `missing_signature`, `signature_mismatch`, ... naming the header in `field`).",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      },
      "Forbidden": {
        "description": "The viewer token on a route that changes something or reveals masked values (`viewer_read_only`, field `authorization`).",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      },
      "UnknownTenant": {
        "description": "No such tenant (`unknown_tenant`, field `tenant`), or no such path (`not_found`).",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      },
      "InvalidField": {
        "description": "A parameter or field fails validation (`invalid_field`, `missing_field`); `field` names it.",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      },
      "MalformedJSON": {
        "description": "The body is not JSON (`malformed_json`, `invalid_utf8`, `too_deep`, `duplicate_key`).",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      },
      "RequestTimeout": {
        "description": "The body did not arrive within `requestTimeoutSeconds` (`request_timeout`); the connection is closed.",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      },
      "TooLarge": {
        "description": "The body is larger than the limit (`body_too_large`).",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      },
      "Unavailable": {
        "description": "The store cannot take more or did not answer (`store_unavailable`, `store_full`, `backlog_full`); retry after `Retry-After` seconds.",
        "headers": {
          "Retry-After": {
            "$ref": "#/components/headers/RetryAfter"
          }
        },
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      }
    },
    "schemas": {
      "Error": {
        "type": "object",
        "required": [
          "error"
        ],
        "properties": {
          "error": {
            "type": "object",
            "required": [
              "code",
              "message"
            ],
            "additionalProperties": false,
            "properties": {
              "code": {
                "type": "string",
                "description": "A bounded code, e.g. `invalid_field`, `signature_mismatch`, `unknown_tenant`."
              },
              "message": {
                "type": "string",
                "description": "A sentence for the sender."
              },
              "field": {
                "type": "string",
                "description": "The JSON path, parameter or header at fault, e.g. `batch[3].event`."
              }
            }
          },
          "errors": {
            "type": "array",
            "description": "Config routes only: every problem found.",
            "items": {
              "$ref": "#/components/schemas/ConfigProblem"
            }
          }
        },
        "additionalProperties": false,
        "example": {
          "error": {
            "code": "invalid_field",
            "field": "properties.app_id",
            "message": "must be a string"
          }
        }
      },
      "ConfigProblem": {
        "type": "object",
        "required": [
          "file",
          "path",
          "code",
          "message"
        ],
        "additionalProperties": false,
        "properties": {
          "file": {
            "type": "string"
          },
          "path": {
            "type": "string"
          },
          "code": {
            "type": "string"
          },
          "message": {
            "type": "string"
          }
        }
      },
      "IngestEvent": {
        "type": "object",
        "required": [
          "event"
        ],
        "description": "One event in the shape Chargebee Retention sends to Segment. Other members (`type`, `context`, `integrations`, ...) are accepted and ignored.",
        "properties": {
          "event": {
            "type": "string",
            "enum": [
              "page_loaded",
              "watchlist",
              "cancel",
              "save",
              "deflect",
              "email",
              "link",
              "chat",
              "accept_offer",
              "schedule"
            ]
          },
          "properties": {
            "type": "object",
            "description": "The flat properties, kept exactly (absent means {}; null is refused).",
            "additionalProperties": true
          },
          "messageId": {
            "type": "string",
            "minLength": 1,
            "maxLength": 100,
            "pattern": "^[^\\u0000-\\u001F\\u007F]+$",
            "not": {
              "pattern": "^rr-test-"
            },
            "description": "The event id, 1 to 100 characters, no control characters, not starting with `rr-test-` (the prefix of the console's test sends); a UUID is assigned when absent. An id the tenant already has is acknowledged and not routed twice."
          },
          "timestamp": {
            "type": "string",
            "format": "date-time"
          },
          "originalTimestamp": {
            "type": "string",
            "format": "date-time"
          }
        },
        "additionalProperties": true
      },
      "IngestBatch": {
        "type": "object",
        "required": [
          "batch"
        ],
        "additionalProperties": true,
        "properties": {
          "batch": {
            "type": "array",
            "minItems": 1,
            "maxItems": 500,
            "items": {
              "$ref": "#/components/schemas/IngestEvent"
            },
            "description": "At most `maxBatchEvents` (default 500) events; one invalid event refuses the whole batch."
          }
        }
      },
      "IngestAccepted": {
        "type": "object",
        "required": [
          "accepted",
          "duplicates",
          "ids"
        ],
        "additionalProperties": false,
        "properties": {
          "accepted": {
            "type": "integer",
            "minimum": 0
          },
          "duplicates": {
            "type": "integer",
            "minimum": 0
          },
          "ids": {
            "type": "array",
            "items": {
              "type": "string"
            },
            "description": "The event ids, in request order."
          }
        }
      },
      "Reason": {
        "type": "object",
        "required": [
          "code",
          "message"
        ],
        "additionalProperties": false,
        "properties": {
          "code": {
            "type": "string"
          },
          "message": {
            "type": "string"
          },
          "status": {
            "type": "integer",
            "description": "The destination's HTTP status, when it answered."
          }
        }
      },
      "Attempt": {
        "type": "object",
        "required": [
          "attempt",
          "at",
          "outcome",
          "latencyMs"
        ],
        "additionalProperties": false,
        "properties": {
          "attempt": {
            "type": "integer"
          },
          "at": {
            "type": "string",
            "description": "ISO-8601 date-time (UTC), e.g. 2026-11-30T00:00:00Z"
          },
          "outcome": {
            "type": "string",
            "enum": [
              "delivered",
              "retry",
              "rejected"
            ]
          },
          "latencyMs": {
            "type": "integer"
          },
          "error": {
            "$ref": "#/components/schemas/Reason"
          },
          "status": {
            "type": "integer"
          }
        }
      },
      "EventStatus": {
        "type": "object",
        "required": [
          "event",
          "destinations",
          "notRouted",
          "masked"
        ],
        "additionalProperties": false,
        "properties": {
          "event": {
            "type": "object",
            "required": [
              "id",
              "type",
              "tenant",
              "occurred_at",
              "received_at"
            ],
            "additionalProperties": false,
            "properties": {
              "id": {
                "type": "string"
              },
              "type": {
                "type": "string",
                "enum": [
                  "page_loaded",
                  "watchlist",
                  "cancel",
                  "save",
                  "deflect",
                  "email",
                  "link",
                  "chat",
                  "accept_offer",
                  "schedule"
                ]
              },
              "tenant": {
                "type": "string"
              },
              "occurred_at": {
                "type": "string",
                "description": "ISO-8601 date-time (UTC), e.g. 2026-11-30T00:00:00Z"
              },
              "received_at": {
                "type": "string",
                "description": "ISO-8601 date-time (UTC), e.g. 2026-11-30T00:00:00Z"
              },
              "properties": {
                "type": "object",
                "additionalProperties": true,
                "description": "The properties as accepted; absent once the payload is erased."
              },
              "erasedAt": {
                "type": "string",
                "description": "When the payload was erased (then `properties` is absent). ISO-8601 date-time (UTC), e.g. 2026-11-30T00:00:00Z"
              }
            }
          },
          "destinations": {
            "type": "array",
            "items": {
              "type": "object",
              "required": [
                "id",
                "state",
                "attempts"
              ],
              "additionalProperties": false,
              "properties": {
                "id": {
                  "type": "string"
                },
                "state": {
                  "type": "string",
                  "enum": [
                    "pending",
                    "delivered",
                    "retrying",
                    "dead"
                  ]
                },
                "attempts": {
                  "type": "array",
                  "items": {
                    "$ref": "#/components/schemas/Attempt"
                  }
                },
                "nextAttemptAt": {
                  "type": "string",
                  "description": "ISO-8601 date-time (UTC), e.g. 2026-11-30T00:00:00Z"
                },
                "deadReason": {
                  "$ref": "#/components/schemas/Reason"
                },
                "why": {
                  "type": "string",
                  "description": "Why it stands where it does."
                },
                "hint": {
                  "type": "string"
                }
              }
            }
          },
          "notRouted": {
            "type": "array",
            "description": "The tenant's destinations this event was not routed to, and why.",
            "items": {
              "type": "object",
              "required": [
                "id",
                "why"
              ],
              "additionalProperties": false,
              "properties": {
                "id": {
                  "type": "string"
                },
                "why": {
                  "type": "string"
                }
              }
            }
          },
          "masked": {
            "type": "boolean",
            "description": "True when the tenant's masked properties (`console.maskProperties`) are shown as `••••` here, in the properties and in every response excerpt; `?reveal=true` (admin) shows them."
          }
        }
      },
      "EventPage": {
        "type": "object",
        "required": [
          "events",
          "scanned"
        ],
        "additionalProperties": false,
        "properties": {
          "events": {
            "type": "array",
            "items": {
              "type": "object",
              "required": [
                "id",
                "type",
                "sequence",
                "occurred_at",
                "received_at",
                "destinations"
              ],
              "additionalProperties": false,
              "properties": {
                "id": {
                  "type": "string"
                },
                "type": {
                  "type": "string",
                  "enum": [
                    "page_loaded",
                    "watchlist",
                    "cancel",
                    "save",
                    "deflect",
                    "email",
                    "link",
                    "chat",
                    "accept_offer",
                    "schedule"
                  ]
                },
                "sequence": {
                  "type": "integer"
                },
                "occurred_at": {
                  "type": "string",
                  "description": "ISO-8601 date-time (UTC), e.g. 2026-11-30T00:00:00Z"
                },
                "received_at": {
                  "type": "string",
                  "description": "ISO-8601 date-time (UTC), e.g. 2026-11-30T00:00:00Z"
                },
                "erasedAt": {
                  "type": "string",
                  "description": "When the payload was erased. ISO-8601 date-time (UTC), e.g. 2026-11-30T00:00:00Z"
                },
                "destinations": {
                  "type": "object",
                  "description": "State per routed destination id.",
                  "additionalProperties": {
                    "type": "string",
                    "enum": [
                      "pending",
                      "delivered",
                      "retrying",
                      "dead",
                      "not_routed"
                    ]
                  }
                }
              }
            }
          },
          "scanned": {
            "type": "integer",
            "description": "Events looked at for this page."
          },
          "next": {
            "type": "string",
            "description": "Pass as `cursor` for the next (older) page."
          },
          "scannedBackTo": {
            "type": "string",
            "description": "A text search stopped its scan at this time; older events were not searched."
          }
        }
      },
      "DeadLetter": {
        "type": "object",
        "required": [
          "id",
          "destination",
          "attempts",
          "failedAt",
          "reason"
        ],
        "additionalProperties": false,
        "properties": {
          "id": {
            "type": "string"
          },
          "destination": {
            "type": "string"
          },
          "attempts": {
            "type": "integer"
          },
          "failedAt": {
            "type": "string",
            "description": "ISO-8601 date-time (UTC), e.g. 2026-11-30T00:00:00Z"
          },
          "reason": {
            "$ref": "#/components/schemas/Reason"
          }
        }
      },
      "DeadLetterPage": {
        "type": "object",
        "required": [
          "deadLetters"
        ],
        "additionalProperties": false,
        "properties": {
          "deadLetters": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/DeadLetter"
            }
          },
          "next": {
            "type": "string",
            "description": "Pass as `cursor` for the next page."
          }
        }
      },
      "DeadLetterCount": {
        "type": "object",
        "required": [
          "count",
          "until"
        ],
        "additionalProperties": false,
        "properties": {
          "count": {
            "type": "integer",
            "minimum": 0
          },
          "until": {
            "allOf": [
              {
                "type": "string",
                "description": "ISO-8601 date-time (UTC), e.g. 2026-11-30T00:00:00Z"
              }
            ],
            "description": "The cut-off counted up to; pass it as `matching.until` to replay exactly these."
          }
        }
      },
      "ReplayMatchingFilter": {
        "type": "object",
        "additionalProperties": false,
        "description": "The dead-letter list's filter, as strings; `until` should be the count's cut-off so exactly the counted ones are replayed.",
        "properties": {
          "destination": {
            "type": "string",
            "pattern": "^[A-Za-z0-9_-]{1,64}$"
          },
          "reason": {
            "type": "string"
          },
          "since": {
            "type": "string",
            "format": "date-time"
          },
          "until": {
            "type": "string",
            "format": "date-time"
          }
        }
      },
      "ReplayRequest": {
        "description": "Which dead letters to send again: by id, by ids, a destination's since a time or all of them, or those a filter matches.",
        "oneOf": [
          {
            "type": "object",
            "description": "One event (at `destination`, or wherever it is a dead letter).",
            "required": [
              "id"
            ],
            "additionalProperties": false,
            "properties": {
              "id": {
                "type": "string",
                "description": "One event id."
              },
              "destination": {
                "type": "string",
                "pattern": "^[A-Za-z0-9_-]{1,64}$"
              }
            }
          },
          {
            "type": "object",
            "description": "Several events.",
            "required": [
              "ids"
            ],
            "additionalProperties": false,
            "properties": {
              "ids": {
                "type": "array",
                "minItems": 1,
                "maxItems": 10000,
                "items": {
                  "type": "string"
                }
              },
              "destination": {
                "type": "string",
                "pattern": "^[A-Za-z0-9_-]{1,64}$"
              }
            }
          },
          {
            "type": "object",
            "description": "A destination's dead letters that failed at or after `since`.",
            "required": [
              "destination",
              "since"
            ],
            "additionalProperties": false,
            "properties": {
              "destination": {
                "type": "string",
                "pattern": "^[A-Za-z0-9_-]{1,64}$"
              },
              "since": {
                "type": "string",
                "format": "date-time"
              }
            }
          },
          {
            "type": "object",
            "description": "Every dead letter of a destination.",
            "required": [
              "destination",
              "all"
            ],
            "additionalProperties": false,
            "properties": {
              "destination": {
                "type": "string",
                "pattern": "^[A-Za-z0-9_-]{1,64}$"
              },
              "all": {
                "const": true
              }
            }
          },
          {
            "type": "object",
            "description": "What the filter matches.",
            "required": [
              "matching"
            ],
            "additionalProperties": false,
            "properties": {
              "matching": {
                "allOf": [
                  {
                    "$ref": "#/components/schemas/ReplayMatchingFilter"
                  }
                ],
                "minProperties": 1
              },
              "all": {
                "type": "boolean"
              }
            }
          },
          {
            "type": "object",
            "description": "Every dead letter of the tenant, asked for in so many words.",
            "required": [
              "matching",
              "all"
            ],
            "additionalProperties": false,
            "properties": {
              "matching": {
                "type": "object",
                "maxProperties": 0
              },
              "all": {
                "const": true
              }
            }
          }
        ],
        "example": {
          "id": "1c296cd0-509f-477e-bbc2-bd07e5b33d06"
        }
      },
      "ReplayResult": {
        "type": "object",
        "required": [
          "replayed",
          "destinations",
          "notFound",
          "erased"
        ],
        "additionalProperties": false,
        "properties": {
          "replayed": {
            "type": "integer",
            "minimum": 0
          },
          "destinations": {
            "type": "object",
            "additionalProperties": {
              "type": "integer"
            }
          },
          "notFound": {
            "type": "array",
            "items": {
              "type": "string"
            },
            "description": "Ids that were not dead letters."
          },
          "erased": {
            "type": "array",
            "items": {
              "type": "string"
            },
            "description": "Ids whose payload was erased: their dead letters stay and are never replayed."
          }
        }
      },
      "PreviewReport": {
        "type": "object",
        "required": [
          "tenant",
          "destination",
          "type",
          "at",
          "notRouted",
          "requests",
          "fileWrites",
          "unsent"
        ],
        "additionalProperties": false,
        "properties": {
          "tenant": {
            "type": "string"
          },
          "destination": {
            "type": "string"
          },
          "type": {
            "type": "string",
            "description": "The destination's module type, e.g. `segment`."
          },
          "at": {
            "type": "string",
            "format": "date-time",
            "description": "The moment previewed (`sentAt`, signature timestamps)."
          },
          "notRouted": {
            "type": "array",
            "items": {
              "type": "object",
              "required": [
                "id",
                "why"
              ],
              "additionalProperties": false,
              "properties": {
                "id": {
                  "type": "string"
                },
                "why": {
                  "type": "string"
                }
              }
            }
          },
          "requests": {
            "type": "array",
            "items": {
              "type": "object",
              "required": [
                "method",
                "url",
                "headers",
                "body"
              ],
              "additionalProperties": false,
              "properties": {
                "method": {
                  "type": "string"
                },
                "url": {
                  "type": "string"
                },
                "headers": {
                  "type": "array",
                  "items": {
                    "type": "object",
                    "required": [
                      "name",
                      "value"
                    ],
                    "additionalProperties": false,
                    "properties": {
                      "name": {
                        "type": "string"
                      },
                      "value": {
                        "type": "string"
                      }
                    }
                  }
                },
                "body": {
                  "type": "string",
                  "description": "The exact body text."
                }
              }
            }
          },
          "fileWrites": {
            "type": "array",
            "items": {
              "type": "object",
              "required": [
                "path",
                "text"
              ],
              "additionalProperties": false,
              "properties": {
                "path": {
                  "type": "string"
                },
                "text": {
                  "type": "string",
                  "description": "The exact lines appended."
                }
              }
            }
          },
          "unsent": {
            "type": "array",
            "items": {
              "type": "object",
              "required": [
                "id",
                "code",
                "message"
              ],
              "additionalProperties": false,
              "properties": {
                "id": {
                  "type": "string"
                },
                "code": {
                  "type": "string"
                },
                "message": {
                  "type": "string"
                }
              }
            }
          }
        }
      },
      "RetryNowResult": {
        "type": "object",
        "required": [
          "retried"
        ],
        "additionalProperties": false,
        "properties": {
          "retried": {
            "type": "integer",
            "minimum": 0
          }
        }
      },
      "TenantSummary": {
        "type": "object",
        "required": [
          "name",
          "scheme",
          "destinations"
        ],
        "additionalProperties": false,
        "properties": {
          "name": {
            "type": "string"
          },
          "description": {
            "type": "string"
          },
          "scheme": {
            "type": "string",
            "enum": [
              "x-hub-signature",
              "x-hub-signature-256",
              "standard-webhooks"
            ]
          },
          "destinations": {
            "type": "array",
            "items": {
              "type": "object",
              "required": [
                "id",
                "type"
              ],
              "additionalProperties": false,
              "properties": {
                "id": {
                  "type": "string"
                },
                "type": {
                  "type": "string"
                },
                "events": {
                  "type": "array",
                  "items": {
                    "type": "string"
                  }
                }
              }
            }
          }
        }
      },
      "TenantList": {
        "type": "object",
        "required": [
          "tenants"
        ],
        "additionalProperties": false,
        "properties": {
          "tenants": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/TenantSummary"
            }
          }
        }
      },
      "DestinationHealth": {
        "type": "object",
        "required": [
          "tenant",
          "destination",
          "configured",
          "state",
          "delivered5m",
          "failed5m",
          "delivered1h",
          "failed1h",
          "backlog",
          "retrying",
          "deadLetters",
          "countCap",
          "perMinute"
        ],
        "additionalProperties": false,
        "properties": {
          "tenant": {
            "type": "string"
          },
          "destination": {
            "type": "string"
          },
          "type": {
            "type": "string"
          },
          "configured": {
            "type": "boolean"
          },
          "state": {
            "type": "string",
            "enum": [
              "paused",
              "failing",
              "retrying",
              "delivering",
              "idle"
            ]
          },
          "delivered5m": {
            "type": "integer"
          },
          "failed5m": {
            "type": "integer"
          },
          "delivered1h": {
            "type": "integer"
          },
          "failed1h": {
            "type": "integer"
          },
          "backlog": {
            "type": "integer"
          },
          "retrying": {
            "type": "integer"
          },
          "deadLetters": {
            "type": "integer"
          },
          "countCap": {
            "type": "integer",
            "description": "Counts stop at this value."
          },
          "failureRate": {
            "type": "number"
          },
          "p95LatencyMs": {
            "type": "integer"
          },
          "failingSince": {
            "type": "string",
            "description": "ISO-8601 date-time (UTC), e.g. 2026-11-30T00:00:00Z"
          },
          "pausedUntil": {
            "type": "string",
            "description": "ISO-8601 date-time (UTC), e.g. 2026-11-30T00:00:00Z"
          },
          "oldestWaiting": {
            "type": "string",
            "description": "ISO-8601 date-time (UTC), e.g. 2026-11-30T00:00:00Z"
          },
          "lastFailure": {
            "type": "object",
            "additionalProperties": false,
            "required": [
              "code",
              "message",
              "at"
            ],
            "properties": {
              "code": {
                "type": "string"
              },
              "message": {
                "type": "string"
              },
              "status": {
                "type": "integer"
              },
              "at": {
                "type": "string",
                "description": "ISO-8601 date-time (UTC), e.g. 2026-11-30T00:00:00Z"
              },
              "hint": {
                "type": "string"
              }
            }
          },
          "perMinute": {
            "type": "array",
            "items": {
              "type": "object",
              "required": [
                "start",
                "delivered",
                "failed"
              ],
              "additionalProperties": false,
              "properties": {
                "start": {
                  "type": "string",
                  "description": "ISO-8601 date-time (UTC), e.g. 2026-11-30T00:00:00Z"
                },
                "delivered": {
                  "type": "integer"
                },
                "failed": {
                  "type": "integer"
                }
              }
            }
          }
        }
      },
      "DestinationHealthList": {
        "type": "object",
        "required": [
          "destinations"
        ],
        "additionalProperties": false,
        "properties": {
          "destinations": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/DestinationHealth"
            }
          }
        }
      },
      "ReloadSummary": {
        "type": "object",
        "required": [
          "status",
          "tenants",
          "tenantsAdded",
          "tenantsRemoved",
          "destinations",
          "removedBacklog"
        ],
        "additionalProperties": false,
        "properties": {
          "status": {
            "type": "string",
            "enum": [
              "reloaded"
            ]
          },
          "tenants": {
            "type": "array",
            "items": {
              "type": "string"
            }
          },
          "tenantsAdded": {
            "type": "array",
            "description": "Tenants that were not configured before this reload.",
            "items": {
              "type": "string"
            }
          },
          "tenantsRemoved": {
            "type": "array",
            "description": "Tenants no longer configured; their events stay in the store.",
            "items": {
              "type": "string"
            }
          },
          "destinations": {
            "type": "object",
            "required": [
              "added",
              "changed",
              "removed",
              "unchanged"
            ],
            "additionalProperties": false,
            "properties": {
              "added": {
                "type": "array",
                "items": {
                  "type": "string",
                  "description": "tenant/destination"
                }
              },
              "changed": {
                "type": "array",
                "items": {
                  "type": "string",
                  "description": "tenant/destination"
                }
              },
              "removed": {
                "type": "array",
                "items": {
                  "type": "string",
                  "description": "tenant/destination"
                }
              },
              "unchanged": {
                "type": "array",
                "items": {
                  "type": "string",
                  "description": "tenant/destination"
                }
              }
            }
          },
          "removedBacklog": {
            "type": "object",
            "additionalProperties": {
              "type": "integer"
            },
            "description": "Undelivered events kept in the store for each removed destination."
          }
        }
      },
      "TenantConfiguration": {
        "type": "object",
        "required": [
          "name",
          "ingest",
          "destinations"
        ],
        "description": "A tenant file, as in `config/tenants/NAME.json`; `name` must match the path. Checked exactly as `serve` loads it: unknown keys are errors.",
        "properties": {
          "name": {
            "type": "string",
            "pattern": "^[A-Za-z0-9_-]{1,64}$"
          },
          "description": {
            "type": "string"
          },
          "ingest": {
            "type": "object",
            "required": [
              "scheme",
              "secrets"
            ],
            "properties": {
              "scheme": {
                "type": "string",
                "enum": [
                  "x-hub-signature",
                  "x-hub-signature-256",
                  "standard-webhooks"
                ]
              },
              "secrets": {
                "type": "array",
                "minItems": 1,
                "items": {
                  "description": "Inline secret or `{\"env\": \"NAME\"}`.",
                  "oneOf": [
                    {
                      "type": "string"
                    },
                    {
                      "type": "object",
                      "required": [
                        "env"
                      ],
                      "properties": {
                        "env": {
                          "type": "string"
                        }
                      }
                    }
                  ]
                }
              }
            }
          },
          "destinations": {
            "type": "array",
            "items": {
              "type": "object",
              "required": [
                "id",
                "type",
                "settings"
              ],
              "properties": {
                "id": {
                  "type": "string",
                  "pattern": "^[A-Za-z0-9_-]{1,64}$"
                },
                "type": {
                  "type": "string",
                  "enum": [
                    "file",
                    "webhook",
                    "segment"
                  ]
                },
                "events": {
                  "type": "array",
                  "items": {
                    "type": "string",
                    "enum": [
                      "page_loaded",
                      "watchlist",
                      "cancel",
                      "save",
                      "deflect",
                      "email",
                      "link",
                      "chat",
                      "accept_offer",
                      "schedule"
                    ]
                  }
                },
                "settings": {
                  "type": "object",
                  "description": "The module's own settings (see the README)."
                }
              }
            }
          },
          "rateLimit": {
            "type": "object",
            "required": [
              "eventsPerSecond",
              "burst"
            ],
            "properties": {
              "eventsPerSecond": {
                "type": "integer",
                "minimum": 1
              },
              "burst": {
                "type": "integer",
                "minimum": 1
              }
            }
          }
        }
      },
      "Health": {
        "type": "object",
        "required": [
          "status",
          "version",
          "commit"
        ],
        "additionalProperties": false,
        "properties": {
          "status": {
            "type": "string",
            "enum": [
              "ok"
            ]
          },
          "version": {
            "type": "string",
            "example": "0.1.0"
          },
          "commit": {
            "type": "string",
            "description": "The commit it was built from, or `unknown`."
          }
        }
      },
      "Ready": {
        "type": "object",
        "required": [
          "status"
        ],
        "additionalProperties": false,
        "properties": {
          "status": {
            "type": "string",
            "enum": [
              "ready",
              "shutting_down"
            ]
          }
        }
      },
      "TestSendResult": {
        "type": "object",
        "required": [
          "outcome",
          "eventId",
          "type",
          "latencyMs"
        ],
        "additionalProperties": false,
        "properties": {
          "outcome": {
            "type": "string",
            "enum": [
              "delivered",
              "failed",
              "retry",
              "timeout"
            ],
            "description": "`failed`: refused, real events like it would become dead letters; `retry`: a transient failure."
          },
          "eventId": {
            "type": "string",
            "pattern": "^rr-test-"
          },
          "type": {
            "type": "string"
          },
          "latencyMs": {
            "type": "integer",
            "minimum": 0
          },
          "status": {
            "type": "integer",
            "description": "The HTTP status the destination answered, when it answered one."
          },
          "code": {
            "type": "string"
          },
          "response": {
            "type": "string",
            "description": "The destination's answer, first 1 KB."
          },
          "hint": {
            "type": "string",
            "description": "What to change, in plain language."
          }
        }
      },
      "ValidationResult": {
        "type": "object",
        "required": [
          "valid",
          "folder",
          "errors"
        ],
        "additionalProperties": false,
        "properties": {
          "valid": {
            "type": "boolean"
          },
          "folder": {
            "type": "string"
          },
          "errors": {
            "type": "array",
            "items": {
              "type": "object",
              "required": [
                "file",
                "path",
                "code",
                "message"
              ],
              "properties": {
                "file": {
                  "type": "string"
                },
                "path": {
                  "type": "string"
                },
                "code": {
                  "type": "string"
                },
                "message": {
                  "type": "string"
                }
              }
            }
          }
        }
      },
      "ConfigurationView": {
        "type": "object",
        "required": [
          "tenants"
        ],
        "additionalProperties": false,
        "properties": {
          "tenants": {
            "type": "array",
            "items": {
              "type": "object",
              "required": [
                "name",
                "file",
                "scheme",
                "secrets",
                "maskProperties",
                "destinations"
              ],
              "properties": {
                "name": {
                  "type": "string"
                },
                "description": {
                  "type": "string"
                },
                "file": {
                  "type": "string"
                },
                "scheme": {
                  "type": "string"
                },
                "secrets": {
                  "type": "array",
                  "items": {
                    "type": "string",
                    "pattern": "^••••"
                  }
                },
                "rateLimit": {
                  "type": "string"
                },
                "maskProperties": {
                  "type": "array",
                  "items": {
                    "type": "string"
                  }
                },
                "destinations": {
                  "type": "array",
                  "items": {
                    "type": "object",
                    "required": [
                      "id",
                      "type",
                      "events",
                      "settings"
                    ],
                    "properties": {
                      "id": {
                        "type": "string"
                      },
                      "type": {
                        "type": "string"
                      },
                      "events": {
                        "type": "string"
                      },
                      "settings": {
                        "type": "object"
                      },
                      "transform": {
                        "type": "array"
                      }
                    }
                  }
                }
              }
            }
          }
        }
      },
      "ErasureResult": {
        "type": "object",
        "required": [
          "id",
          "erasedAt",
          "alreadyErased",
          "deadLettered"
        ],
        "additionalProperties": false,
        "properties": {
          "id": {
            "type": "string"
          },
          "erasedAt": {
            "type": "string",
            "description": "When the payload was erased: now, or earlier when `alreadyErased`. ISO-8601 date-time (UTC), e.g. 2026-11-30T00:00:00Z"
          },
          "alreadyErased": {
            "type": "boolean",
            "description": "It had been erased before; nothing changed."
          },
          "deadLettered": {
            "type": "array",
            "items": {
              "type": "string"
            },
            "description": "Destinations where a waiting delivery became a dead letter `erased`."
          }
        }
      },
      "BulkErasureRequest": {
        "type": "object",
        "required": [
          "property",
          "value",
          "dryRun"
        ],
        "additionalProperties": false,
        "properties": {
          "property": {
            "type": "string",
            "minLength": 1,
            "maxLength": 200,
            "description": "A top-level property's exact name, e.g. `user_id` or `field.cancel.email`."
          },
          "value": {
            "oneOf": [
              {
                "type": "string",
                "minLength": 1,
                "maxLength": 1000
              },
              {
                "type": "number"
              }
            ],
            "description": "The value to erase: a string, or a number matched by its text."
          },
          "dryRun": {
            "type": "boolean",
            "description": "true: only count the matching events; false: erase them."
          }
        },
        "example": {
          "property": "user_id",
          "value": "u_123",
          "dryRun": true
        }
      },
      "BulkErasureResult": {
        "type": "object",
        "required": [
          "dryRun",
          "scanned"
        ],
        "additionalProperties": false,
        "properties": {
          "dryRun": {
            "type": "boolean"
          },
          "matched": {
            "type": "integer",
            "minimum": 0,
            "description": "Dry run: the events that would be erased."
          },
          "erased": {
            "type": "integer",
            "minimum": 0,
            "description": "The events erased now."
          },
          "scanned": {
            "type": "integer",
            "minimum": 0,
            "description": "The tenant's events looked at."
          },
          "deadLettered": {
            "type": "object",
            "additionalProperties": {
              "type": "integer"
            },
            "description": "Per destination, waiting deliveries that became dead letters `erased`."
          }
        }
      },
      "AuditEntry": {
        "type": "object",
        "required": [
          "at",
          "role",
          "action"
        ],
        "additionalProperties": false,
        "properties": {
          "sequence": {
            "type": "integer"
          },
          "at": {
            "type": "string",
            "description": "ISO-8601 date-time (UTC), e.g. 2026-11-30T00:00:00Z"
          },
          "role": {
            "type": "string",
            "description": "`admin`, `viewer` or `anonymous`."
          },
          "address": {
            "type": "string",
            "description": "The caller's network address."
          },
          "action": {
            "type": "string",
            "description": "`sign_in`, `sign_in_failed`, `replay`, `test_send`, `reload`, `reveal`, `erase` or `erase_matching`."
          },
          "tenant": {
            "type": "string"
          },
          "destination": {
            "type": "string"
          },
          "eventId": {
            "type": "string"
          },
          "detail": {
            "type": "string",
            "description": "A short detail such as a count; never a payload value."
          }
        }
      },
      "AuditPage": {
        "type": "object",
        "required": [
          "entries"
        ],
        "additionalProperties": false,
        "properties": {
          "entries": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/AuditEntry"
            }
          },
          "next": {
            "type": "string",
            "description": "Pass as `cursor` for the next (older) page."
          }
        }
      }
    }
  }
}
"""#
}
