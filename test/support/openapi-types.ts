// Generated from the service's OpenAPI document by `bun run openapi:types`. Do not edit.

export interface paths {
    "/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness: answers without touching the database */
        get: operations["getHealth"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/ready": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Readiness: 503 while starting, shutting down, or when the database does not answer within 1 s */
        get: operations["getReady"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Prometheus metrics */
        get: operations["getMetrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/signup": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Register a user
         * @description Creates a user. With an `Idempotency-Key`, a retry of the same request replays the first answer (byte for byte, with `Idempotent-Replayed: true`) and never creates a second user.
         */
        post: operations["postSignup"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/users/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a user from the read model */
        get: operations["getUsersById"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** @description RFC 9457 problem details */
        Problem: {
            /** @example urn:signup-service:problem:duplicate-email */
            type: string;
            /** @example Email already registered */
            title: string;
            /** @example 409 */
            status: number;
            /** @example User with email ana@example.com already exists */
            detail?: string;
            /** @example /signup */
            instance?: string;
            request_id?: string;
            /** @description Validation failures: one entry per field and rule; values are never echoed */
            errors?: {
                /** @example password */
                field: string;
                /**
                 * @description The rule broken, where one is named
                 * @example common
                 */
                rule?: string;
                message: string;
            }[];
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    getHealth: {
        parameters: {
            query?: never;
            header?: {
                /** @description Echoed when 1-128 safe characters */
                "X-Request-Id"?: string;
                /** @description Echoed when 1-128 safe characters */
                "X-Correlation-Id"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Alive */
            200: {
                headers: {
                    /** @description The request's id: the one sent, if safe, else a new UUIDv7 */
                    "X-Request-Id": string;
                    /** @description The correlation id sent, else the request id */
                    "X-Correlation-Id": string;
                    /** @description Always `nosniff`: the content type is the only one to read the body as */
                    "X-Content-Type-Options": "nosniff";
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        status: "healthy";
                        /** @example signup-service */
                        service: string;
                        /** Format: date-time */
                        timestamp: string;
                        uptime_seconds: number;
                    };
                };
            };
            /** @description Unexpected failure; nothing was stored */
            500: {
                headers: {
                    /** @description The request's id: the one sent, if safe, else a new UUIDv7 */
                    "X-Request-Id": string;
                    /** @description The correlation id sent, else the request id */
                    "X-Correlation-Id": string;
                    /** @description Always `nosniff`: the content type is the only one to read the body as */
                    "X-Content-Type-Options": "nosniff";
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getReady: {
        parameters: {
            query?: never;
            header?: {
                /** @description Echoed when 1-128 safe characters */
                "X-Request-Id"?: string;
                /** @description Echoed when 1-128 safe characters */
                "X-Correlation-Id"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Ready */
            200: {
                headers: {
                    /** @description The request's id: the one sent, if safe, else a new UUIDv7 */
                    "X-Request-Id": string;
                    /** @description The correlation id sent, else the request id */
                    "X-Correlation-Id": string;
                    /** @description Always `nosniff`: the content type is the only one to read the body as */
                    "X-Content-Type-Options": "nosniff";
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        status: "ready" | "not_ready";
                        /** @example signup-service */
                        service: string;
                        version: string;
                        uptime_seconds: number;
                        /** @description Why it is not ready, when that is not the database */
                        reason?: "starting" | "shutting_down";
                        checks: {
                            database: {
                                status: "healthy" | "unhealthy";
                                message: string;
                                latency_ms: number;
                            };
                            /** @description The read replica (READ_DATABASE_URL), when there is one; reported, never required: the primary serves reads while it is down */
                            read_database?: {
                                status: "healthy" | "unhealthy";
                                message: string;
                                latency_ms: number;
                            };
                            /** @description The event relay to NATS JetStream, when NATS_URL is set; reported, never required: signups work without NATS */
                            events?: {
                                status: "healthy" | "degraded";
                                /** @example publishing */
                                state: string;
                                message: string;
                                consecutive_failures: number;
                                /** Format: date-time */
                                last_published_at?: string;
                            };
                            system: {
                                cpu: {
                                    usage_percent: number;
                                    count: number;
                                };
                                memory: {
                                    total_mb: number;
                                    available_mb: number;
                                    used_percent: number;
                                };
                                disk: {
                                    total_gb: number;
                                    free_gb: number;
                                    used_percent: number;
                                };
                            };
                        };
                    };
                };
            };
            /** @description Unexpected failure; nothing was stored */
            500: {
                headers: {
                    /** @description The request's id: the one sent, if safe, else a new UUIDv7 */
                    "X-Request-Id": string;
                    /** @description The correlation id sent, else the request id */
                    "X-Correlation-Id": string;
                    /** @description Always `nosniff`: the content type is the only one to read the body as */
                    "X-Content-Type-Options": "nosniff";
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not ready: starting, shutting down, or the database does not answer */
            503: {
                headers: {
                    /** @description The request's id: the one sent, if safe, else a new UUIDv7 */
                    "X-Request-Id": string;
                    /** @description The correlation id sent, else the request id */
                    "X-Correlation-Id": string;
                    /** @description Always `nosniff`: the content type is the only one to read the body as */
                    "X-Content-Type-Options": "nosniff";
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        status: "ready" | "not_ready";
                        /** @example signup-service */
                        service: string;
                        version: string;
                        uptime_seconds: number;
                        /** @description Why it is not ready, when that is not the database */
                        reason?: "starting" | "shutting_down";
                        checks: {
                            database: {
                                status: "healthy" | "unhealthy";
                                message: string;
                                latency_ms: number;
                            };
                            /** @description The read replica (READ_DATABASE_URL), when there is one; reported, never required: the primary serves reads while it is down */
                            read_database?: {
                                status: "healthy" | "unhealthy";
                                message: string;
                                latency_ms: number;
                            };
                            /** @description The event relay to NATS JetStream, when NATS_URL is set; reported, never required: signups work without NATS */
                            events?: {
                                status: "healthy" | "degraded";
                                /** @example publishing */
                                state: string;
                                message: string;
                                consecutive_failures: number;
                                /** Format: date-time */
                                last_published_at?: string;
                            };
                            system: {
                                cpu: {
                                    usage_percent: number;
                                    count: number;
                                };
                                memory: {
                                    total_mb: number;
                                    available_mb: number;
                                    used_percent: number;
                                };
                                disk: {
                                    total_gb: number;
                                    free_gb: number;
                                    used_percent: number;
                                };
                            };
                        };
                    };
                };
            };
        };
    };
    getMetrics: {
        parameters: {
            query?: never;
            header?: {
                /** @description Echoed when 1-128 safe characters */
                "X-Request-Id"?: string;
                /** @description Echoed when 1-128 safe characters */
                "X-Correlation-Id"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The Prometheus text exposition format */
            200: {
                headers: {
                    /** @description The request's id: the one sent, if safe, else a new UUIDv7 */
                    "X-Request-Id": string;
                    /** @description The correlation id sent, else the request id */
                    "X-Correlation-Id": string;
                    /** @description Always `nosniff`: the content type is the only one to read the body as */
                    "X-Content-Type-Options": "nosniff";
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": string;
                };
            };
            /** @description Unexpected failure; nothing was stored */
            500: {
                headers: {
                    /** @description The request's id: the one sent, if safe, else a new UUIDv7 */
                    "X-Request-Id": string;
                    /** @description The correlation id sent, else the request id */
                    "X-Correlation-Id": string;
                    /** @description Always `nosniff`: the content type is the only one to read the body as */
                    "X-Content-Type-Options": "nosniff";
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    postSignup: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description 1-255 visible ASCII characters other than `"`; the quoted form of the IETF draft ("abc") is the same key
                 * @example 8e03978e-40d5-43e8-bc93-6894a57f9324
                 */
                "Idempotency-Key"?: string;
                /** @description Echoed when 1-128 safe characters */
                "X-Request-Id"?: string;
                /** @description Echoed when 1-128 safe characters */
                "X-Correlation-Id"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "name": "Ana",
                 *       "email": "ana@example.com",
                 *       "password": "Velero-Azul-27",
                 *       "display_name": "Ana G"
                 *     }
                 */
                "application/json": {
                    /** @example Ana */
                    name: string;
                    /**
                     * Format: email
                     * @description At most 254 characters; a local part of at most 64 and domain labels of at most 63 (RFC 5321)
                     * @example ana@example.com
                     */
                    email: string;
                    /**
                     * @description 8-128 characters (code points, after NFKC normalization) with an upper-case letter, a lower-case letter and a digit (any script); not a common or breached password; not one built from the email or the names. A refusal names each broken rule in `errors[].rule`.
                     * @example Velero-Azul-27
                     */
                    password: string;
                    /** @example Ana G */
                    display_name: string;
                };
            };
        };
        responses: {
            /** @description Created; also the replay of a completed keyed request */
            201: {
                headers: {
                    /** @description The request's id: the one sent, if safe, else a new UUIDv7 */
                    "X-Request-Id": string;
                    /** @description The correlation id sent, else the request id */
                    "X-Correlation-Id": string;
                    /** @description Always `nosniff`: the content type is the only one to read the body as */
                    "X-Content-Type-Options": "nosniff";
                    /** @description `no-store`: the answer carries personal data */
                    "Cache-Control": "no-store";
                    /** @description /users/{id} */
                    Location: string;
                    /** @description `true` when this is a stored response replayed for a retry */
                    "Idempotent-Replayed"?: "true";
                    /** @description `true` when this is a stored response (the seed's header) */
                    "X-Idempotency-Hit"?: "true";
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /**
                         * Format: uuid
                         * @example 0193f1c2-7a4e-7c3b-9a51-6b2f0e8d4c11
                         */
                        id: string;
                        /** @example Ana */
                        name: string;
                        /** @example ana@example.com */
                        email: string;
                        /** @example Ana G */
                        display_name: string;
                        /**
                         * Format: date-time
                         * @example 2025-10-05T12:00:00.000Z
                         */
                        created_at: string;
                    };
                };
            };
            /** @description Malformed JSON, or a malformed or missing (when required) Idempotency-Key */
            400: {
                headers: {
                    /** @description The request's id: the one sent, if safe, else a new UUIDv7 */
                    "X-Request-Id": string;
                    /** @description The correlation id sent, else the request id */
                    "X-Correlation-Id": string;
                    /** @description Always `nosniff`: the content type is the only one to read the body as */
                    "X-Content-Type-Options": "nosniff";
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The email is already registered (stored under the key and replayed), or a request with the same key is in progress (with Retry-After) */
            409: {
                headers: {
                    /** @description The request's id: the one sent, if safe, else a new UUIDv7 */
                    "X-Request-Id": string;
                    /** @description The correlation id sent, else the request id */
                    "X-Correlation-Id": string;
                    /** @description Always `nosniff`: the content type is the only one to read the body as */
                    "X-Content-Type-Options": "nosniff";
                    /** @description `no-store`: the answer carries personal data */
                    "Cache-Control"?: "no-store";
                    /** @description Seconds to wait before retrying */
                    "Retry-After"?: number;
                    /** @description `true` when this is a stored response replayed for a retry */
                    "Idempotent-Replayed"?: "true";
                    /** @description `true` when this is a stored response (the seed's header) */
                    "X-Idempotency-Hit"?: "true";
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is over 64 KiB */
            413: {
                headers: {
                    /** @description The request's id: the one sent, if safe, else a new UUIDv7 */
                    "X-Request-Id": string;
                    /** @description The correlation id sent, else the request id */
                    "X-Correlation-Id": string;
                    /** @description Always `nosniff`: the content type is the only one to read the body as */
                    "X-Content-Type-Options": "nosniff";
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is not application/json */
            415: {
                headers: {
                    /** @description The request's id: the one sent, if safe, else a new UUIDv7 */
                    "X-Request-Id": string;
                    /** @description The correlation id sent, else the request id */
                    "X-Correlation-Id": string;
                    /** @description Always `nosniff`: the content type is the only one to read the body as */
                    "X-Content-Type-Options": "nosniff";
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A field breaks its rule (each listed in `errors`), or the key was used with another payload */
            422: {
                headers: {
                    /** @description The request's id: the one sent, if safe, else a new UUIDv7 */
                    "X-Request-Id": string;
                    /** @description The correlation id sent, else the request id */
                    "X-Correlation-Id": string;
                    /** @description Always `nosniff`: the content type is the only one to read the body as */
                    "X-Content-Type-Options": "nosniff";
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many signups from this client; retry after Retry-After */
            429: {
                headers: {
                    /** @description The request's id: the one sent, if safe, else a new UUIDv7 */
                    "X-Request-Id": string;
                    /** @description The correlation id sent, else the request id */
                    "X-Correlation-Id": string;
                    /** @description Always `nosniff`: the content type is the only one to read the body as */
                    "X-Content-Type-Options": "nosniff";
                    /** @description Seconds to wait before retrying */
                    "Retry-After": number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unexpected failure; the key is released, so a retry runs again */
            500: {
                headers: {
                    /** @description The request's id: the one sent, if safe, else a new UUIDv7 */
                    "X-Request-Id": string;
                    /** @description The correlation id sent, else the request id */
                    "X-Correlation-Id": string;
                    /** @description Always `nosniff`: the content type is the only one to read the body as */
                    "X-Content-Type-Options": "nosniff";
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Starting (retry after Retry-After), overloaded or the database is unreachable; the key is released; retry after Retry-After */
            503: {
                headers: {
                    /** @description The request's id: the one sent, if safe, else a new UUIDv7 */
                    "X-Request-Id": string;
                    /** @description The correlation id sent, else the request id */
                    "X-Correlation-Id": string;
                    /** @description Always `nosniff`: the content type is the only one to read the body as */
                    "X-Content-Type-Options": "nosniff";
                    /** @description Seconds to wait before retrying */
                    "Retry-After": number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getUsersById: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The user */
            200: {
                headers: {
                    /** @description The request's id: the one sent, if safe, else a new UUIDv7 */
                    "X-Request-Id": string;
                    /** @description The correlation id sent, else the request id */
                    "X-Correlation-Id": string;
                    /** @description Always `nosniff`: the content type is the only one to read the body as */
                    "X-Content-Type-Options": "nosniff";
                    /** @description `no-store`: the answer carries personal data */
                    "Cache-Control": "no-store";
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /**
                         * Format: uuid
                         * @example 0193f1c2-7a4e-7c3b-9a51-6b2f0e8d4c11
                         */
                        id: string;
                        /** @example Ana */
                        name: string;
                        /** @example ana@example.com */
                        email: string;
                        /** @example Ana G */
                        display_name: string;
                        /**
                         * Format: date-time
                         * @example 2025-10-05T12:00:00.000Z
                         */
                        created_at: string;
                    };
                };
            };
            /** @description No user with this id */
            404: {
                headers: {
                    /** @description The request's id: the one sent, if safe, else a new UUIDv7 */
                    "X-Request-Id": string;
                    /** @description The correlation id sent, else the request id */
                    "X-Correlation-Id": string;
                    /** @description Always `nosniff`: the content type is the only one to read the body as */
                    "X-Content-Type-Options": "nosniff";
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The id is not a UUID */
            422: {
                headers: {
                    /** @description The request's id: the one sent, if safe, else a new UUIDv7 */
                    "X-Request-Id": string;
                    /** @description The correlation id sent, else the request id */
                    "X-Correlation-Id": string;
                    /** @description Always `nosniff`: the content type is the only one to read the body as */
                    "X-Content-Type-Options": "nosniff";
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unexpected failure; nothing was stored */
            500: {
                headers: {
                    /** @description The request's id: the one sent, if safe, else a new UUIDv7 */
                    "X-Request-Id": string;
                    /** @description The correlation id sent, else the request id */
                    "X-Correlation-Id": string;
                    /** @description Always `nosniff`: the content type is the only one to read the body as */
                    "X-Content-Type-Options": "nosniff";
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Starting (retry after Retry-After), the database is unreachable or did not answer within DATABASE_TIMEOUT, or too many reads of just-created users at once; retry after Retry-After */
            503: {
                headers: {
                    /** @description The request's id: the one sent, if safe, else a new UUIDv7 */
                    "X-Request-Id": string;
                    /** @description The correlation id sent, else the request id */
                    "X-Correlation-Id": string;
                    /** @description Always `nosniff`: the content type is the only one to read the body as */
                    "X-Content-Type-Options": "nosniff";
                    /** @description Seconds to wait before retrying */
                    "Retry-After": number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
}
