#!/bin/sh
# snapshot-blob-auth.sh: pr-snapshot's upload without the account key, to
# arm.py's Blob Storage endpoint (blob_service.py; Azurite accepts bearer
# tokens only over https with --oauth basic, so bearer is tested here):
# an Entra ID token from the credential chain for the storage scope, a
# container SAS (AZURE_STORAGE_SAS_TOKEN or a --container URL), and the
# one-line fix when the account disallows Shared Key.  No credential, SAS
# signature or token reaches any output.
. "$(dirname "$0")/lib.sh"
. "$FIX/arm.sh"

export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
CANARY=canary-token-a61f02c9
SECRET=canary-secret-0d94be37
SIG='canarySasSig/0e5c+1=='
SIGQ=canarySasSig%2F0e5c%2B1%3D%3D
KEY=$(printf 'canary-account-key-0123456789abcdef' | base64)
TENANT=contoso.onmicrosoft.com
for v in $(env | sed -n 's/^\(AZURE_[A-Z_]*\|ACTIONS_[A-Z_]*\|IDENTITY_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done
export PR_RETRY_BASE_MS=10 QA_LOG=1
clean() {
	! grep -rqF -e "$CANARY" -e "$SECRET" -e "$SIG" -e "$SIGQ" -e "$KEY" "$T/out" "$T/err" "$T/repo/logs" 2>/dev/null
}
blob_bytes() { curl -s "$ARM/_fixture/blobs" | jq -r --arg b "$1" '.[$b] // 0'; }

git init -q "$T/repo" && cd "$T/repo" || exit 1
echo v1 >app.txt && git add app.txt && git commit -q -m v1
start_arm --token "$CANARY" --client-id app-123 --client-secret "$SECRET" --tenant "$TENANT" --blob-sas-sig "$SIG"
ENDPOINT=$ARM/blob/acct1
SP="AZURE_CLIENT_ID=app-123 AZURE_TENANT_ID=$TENANT AZURE_AUTHORITY_HOST=$ARM"

# Entra ID: the account and endpoint, no key: a storage-scoped token.
run env $SP AZURE_CLIENT_SECRET=$SECRET AZURE_STORAGE_ACCOUNT=acct1 AZURE_STORAGE_BLOB_ENDPOINT=$ENDPOINT \
	pr-snapshot -q --tag bearer -a "$T/bearer.tar.gz"
ok_if blob_bearer_uploads '[ "$rc" -eq 0 ] && [ "$(jget "$T/out" .upload.credential)" = client-secret ] &&
	[ "$(blob_bytes pr-snapshots/bearer.tar.gz)" -eq "$(jget "$T/out" .archive.bytes)" ]'
check blob_bearer_fits_schema validate snapshot "$T/out"
ok_if blob_bearer_never_printed clean
run env $SP AZURE_CLIENT_SECRET=wrong AZURE_STORAGE_ACCOUNT=acct1 AZURE_STORAGE_BLOB_ENDPOINT=$ENDPOINT \
	pr-snapshot -q --tag bearer-wrong -a "$T/bw.tar.gz"
ok_if blob_bearer_wrong_secret_exits_4 '[ "$rc" -eq 4 ] && grep -q "(client-secret).*AADSTS7000215" "$T/err" && [ ! -e "$T/bw.tar.gz" ]'
# An ARM-scoped token is refused by storage: AZURE_ACCESS_TOKEN (this
# fixture's ARM token) proves the scope is checked.
run env AZURE_ACCESS_TOKEN=$CANARY AZURE_STORAGE_ACCOUNT=acct1 AZURE_STORAGE_BLOB_ENDPOINT=$ENDPOINT \
	pr-snapshot -q --tag arm-token -a "$T/at.tar.gz"
ok_if blob_arm_token_refused '[ "$rc" -eq 4 ] && grep -q "HTTP 401 InvalidAuthenticationInfo" "$T/err" && clean'

# A container SAS from the environment (the container exists by now).
run env AZURE_STORAGE_ACCOUNT=acct1 AZURE_STORAGE_BLOB_ENDPOINT=$ENDPOINT \
	AZURE_STORAGE_SAS_TOKEN="sv=2021-12-02&sr=c&sp=cw&se=2099-01-01T00%3A00%3A00Z&sig=$SIGQ" \
	pr-snapshot -q --tag sas -a "$T/sas.tar.gz"
ok_if blob_sas_env_uploads '[ "$rc" -eq 0 ] && [ "$(jget "$T/out" .upload.credential)" = sas ] &&
	[ "$(blob_bytes pr-snapshots/sas.tar.gz)" -gt 0 ]'
ok_if blob_sas_url_has_no_query '[ "$(jget "$T/out" .upload.url)" = "$ENDPOINT/pr-snapshots/sas.tar.gz" ]'
ok_if blob_sas_never_printed clean
run env AZURE_STORAGE_ACCOUNT=acct1 AZURE_STORAGE_BLOB_ENDPOINT=$ENDPOINT \
	AZURE_STORAGE_SAS_TOKEN="sv=2021-12-02&sr=c&sp=r&sig=$SIGQ" pr-snapshot -q --tag sas-ro -a "$T/ro.tar.gz"
ok_if blob_sas_without_write_refused '[ "$rc" -eq 4 ] && grep -q "HTTP 403 AuthenticationFailed" "$T/err" && one_line "$T/err" && clean'

# A --container URL with its SAS: no account variable needed.
run pr-snapshot -q --tag sas-url -a "$T/url.tar.gz" \
	--container "$ENDPOINT/pr-snapshots?sv=2021-12-02&sr=c&sp=cw&sig=$SIGQ"
ok_if blob_sas_container_url_uploads '[ "$rc" -eq 0 ] && [ "$(jget "$T/out" .upload.container)" = pr-snapshots ] &&
	[ "$(blob_bytes pr-snapshots/url.tar.gz)" -gt 0 ]'
ok_if blob_sas_container_url_never_printed clean

# An account that disallows Shared Key: one line naming the fix.
start_arm --blob-keyless
run env AZURE_STORAGE_ACCOUNT=acct1 AZURE_STORAGE_ACCOUNT_KEY=$KEY AZURE_STORAGE_BLOB_ENDPOINT=$ARM/blob/acct1 \
	pr-snapshot -q --tag keyless -a "$T/kl.tar.gz"
ok_if blob_keyless_account_names_fix '[ "$rc" -eq 4 ] && one_line "$T/err" &&
	grep -q "HTTP 403 KeyBasedAuthenticationNotPermitted: the account disallows Shared Key; unset AZURE_STORAGE_ACCOUNT_KEY to sign in with Entra ID" "$T/err"'
ok_if blob_keyless_key_never_printed clean
