"""A tiny OpenID Connect provider on loopback, for signing in to the real app in tests.

It speaks just enough of the authorization-code flow for Authlib (which `st.login` uses):
a discovery document, an authorize endpoint that signs the configured person straight in
and redirects back with a one-time code, a token endpoint that checks the client secret,
redirect URI and PKCE verifier and returns an RS256 id_token carrying the request's nonce,
a JWKS endpoint with the public key, and an end-session endpoint for sign-out.

    with MockOIDCProvider() as idp:
        idp.email = "someone@example.police.uk"   # who signs in next
        ... secrets: server_metadata_url = idp.metadata_url, client_id = idp.client_id, ...
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class MockOIDCProvider:
    def __init__(self, client_id: str = "diversion-outcomes-test", client_secret: str | None = None):
        self.client_id = client_id
        self.client_secret = client_secret or secrets.token_urlsafe(24)
        self.key = RSAKey.generate_key(2048, {"alg": "RS256", "use": "sig"}, private=True, auto_kid=True)
        self.email: str = "nobody@example.invalid"
        self.extra_claims: dict = {}  # e.g. {"email_verified": False}
        self.redirect_uris: set[str] = set()  # empty = accept any (set it to pin the app's)
        self.log: list[tuple[str, str]] = []  # (method, path) of every request
        self._codes: dict[str, dict] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # --- lifecycle -------------------------------------------------------------
    def start(self) -> MockOIDCProvider:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, name="mock-oidc", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> MockOIDCProvider:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def issuer(self) -> str:
        assert self._server, "start() the provider first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def metadata_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def metadata(self) -> dict:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "end_session_endpoint": f"{self.issuer}/logout",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": ["sub", "email", "email_verified", "name"],
        }

    # --- the flow --------------------------------------------------------------
    def _authorize(self, query: dict[str, str]) -> tuple[int, dict, bytes]:
        redirect_uri = query.get("redirect_uri", "")
        if query.get("client_id") != self.client_id or not redirect_uri:
            return 400, {}, b"unknown client or no redirect_uri"
        if self.redirect_uris and redirect_uri not in self.redirect_uris:
            return 400, {}, b"redirect_uri not registered"
        if query.get("response_type") != "code" or "openid" not in query.get("scope", "").split():
            return 400, {}, b"only the openid authorization-code flow is supported"
        code = secrets.token_urlsafe(16)
        with self._lock:
            self._codes[code] = {
                "redirect_uri": redirect_uri, "nonce": query.get("nonce"), "email": self.email,
                "extra": dict(self.extra_claims), "challenge": query.get("code_challenge"),
                "challenge_method": query.get("code_challenge_method"), "issued": time.time(),
            }
        back = {"code": code}
        if "state" in query:
            back["state"] = query["state"]
        separator = "&" if urlparse(redirect_uri).query else "?"
        return 302, {"Location": f"{redirect_uri}{separator}{urlencode(back)}"}, b""

    def _token(self, form: dict[str, str], authorization: str | None) -> tuple[int, dict, bytes]:
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        if authorization and authorization.startswith("Basic "):
            decoded = base64.b64decode(authorization[6:]).decode("utf-8")
            client_id, _, client_secret = decoded.partition(":")
        if client_id != self.client_id or client_secret != self.client_secret:
            return self._json({"error": "invalid_client"}, 401)
        with self._lock:
            grant = self._codes.pop(form.get("code", ""), None)  # one use only
        if (form.get("grant_type") != "authorization_code" or grant is None
                or form.get("redirect_uri") != grant["redirect_uri"] or time.time() - grant["issued"] > 60):
            return self._json({"error": "invalid_grant"}, 400)
        if grant["challenge"]:
            verifier = form.get("code_verifier", "")
            if grant["challenge_method"] != "S256" or \
                    _b64url(hashlib.sha256(verifier.encode("ascii")).digest()) != grant["challenge"]:
                return self._json({"error": "invalid_grant", "error_description": "PKCE check failed"}, 400)
        access_token = secrets.token_urlsafe(24)
        now = int(time.time())
        claims = {
            "iss": self.issuer, "sub": hashlib.sha256(grant["email"].encode()).hexdigest()[:24],
            "aud": self.client_id, "iat": now, "exp": now + 600, "auth_time": now,
            "email": grant["email"], "email_verified": True, "name": grant["email"].split("@")[0],
            "at_hash": _b64url(hashlib.sha256(access_token.encode()).digest()[:16]),
            **grant["extra"],
        }
        if grant["nonce"]:
            claims["nonce"] = grant["nonce"]
        id_token = jwt.encode({"alg": "RS256", "kid": self.key.kid, "typ": "JWT"}, claims, self.key)
        return self._json({"access_token": access_token, "token_type": "Bearer", "expires_in": 600,
                           "id_token": id_token, "scope": "openid email profile"})

    def _logout(self, query: dict[str, str]) -> tuple[int, dict, bytes]:
        target = query.get("post_logout_redirect_uri")
        if target:
            return 302, {"Location": target}, b""
        return 200, {"Content-Type": "text/plain"}, b"signed out"

    @staticmethod
    def _json(body: dict, status: int = 200) -> tuple[int, dict, bytes]:
        return status, {"Content-Type": "application/json", "Cache-Control": "no-store"}, json.dumps(body).encode()

    def _route(self, method: str, path: str, query: dict, form: dict, authorization: str | None):
        self.log.append((method, path))
        if method == "GET" and path == "/.well-known/openid-configuration":
            return self._json(self.metadata())
        if method == "GET" and path == "/jwks":
            return self._json(KeySet([self.key]).as_dict(private=False))
        if method == "GET" and path == "/authorize":
            return self._authorize(query)
        if method == "POST" and path == "/token":
            return self._token(form, authorization)
        if method == "GET" and path == "/logout":
            return self._logout(query)
        return 404, {"Content-Type": "text/plain"}, b"not found"

    def _handler(self):
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def _respond(self, method: str) -> None:
                url = urlparse(self.path)
                query = {k: v[-1] for k, v in parse_qs(url.query).items()}
                form = {}
                if method == "POST":
                    length = int(self.headers.get("Content-Length") or 0)
                    form = {k: v[-1] for k, v in parse_qs(self.rfile.read(length).decode("utf-8")).items()}
                status, headers, body = provider._route(method, url.path, query, form,
                                                        self.headers.get("Authorization"))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                self._respond("GET")

            def do_POST(self) -> None:  # noqa: N802
                self._respond("POST")

            def log_message(self, *args) -> None:  # keep test output quiet
                pass

        return Handler
