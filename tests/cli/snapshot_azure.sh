#!/bin/sh
# pr-snapshot's upload to Azure Blob Storage, against Azurite (the Storage
# emulator, installed from npm into build/azurite by scripts/deps.sh test)
# with its well-known development account.  The blob is read back with an
# independent Shared Key client and must hash to the manifest's sha256.
. "$(dirname "$0")/lib.sh"
. "$FIX/pg.sh"

export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com

AZURITE=$PR_ROOT/build/azurite/node_modules/.bin/azurite-blob
if [ ! -x "$AZURITE" ]; then
	fail snapshot_upload_to_azurite "azurite not installed (run scripts/deps.sh test, which needs npm)"
	exit 0
fi
ACCOUNT=devstoreaccount1
KEY='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
(cd "$T" && exec "$AZURITE" --blobHost 127.0.0.1 --blobPort "$port" --inMemoryPersistence --silent \
	--disableTelemetry >"$T/azurite.log" 2>&1) &
track $!
i=0
until curl -s -o /dev/null "http://127.0.0.1:$port/" || [ $i -ge 100 ]; do sleep 0.2; i=$((i + 1)); done
if [ $i -ge 100 ]; then
	fail snapshot_upload_to_azurite "azurite did not start: $(tail -n 2 "$T/azurite.log")"
	exit 0
fi
ENDPOINT=http://127.0.0.1:$port/$ACCOUNT

# An independent reader: Shared Key GET of a blob, written to a file.
cat >"$T/get_blob.py" <<'EOP'
import base64, hashlib, hmac, sys, urllib.request
from email.utils import formatdate
endpoint, account, key, container, blob, out = sys.argv[1:7]
url = f"{endpoint}/{container}/{blob}"
date = formatdate(usegmt=True)
path = urllib.request.urlparse(url).path
sts = "GET\n" + "\n" * 11 + f"x-ms-date:{date}\nx-ms-version:2021-12-02\n/{account}{path}"
sig = base64.b64encode(hmac.new(base64.b64decode(key), sts.encode(), hashlib.sha256).digest()).decode()
req = urllib.request.Request(url, headers={"x-ms-date": date, "x-ms-version": "2021-12-02",
                                           "Authorization": f"SharedKey {account}:{sig}"})
with urllib.request.urlopen(req) as r, open(out, "wb") as f:
    f.write(r.read())
EOP

git init -q "$T/repo" && cd "$T/repo" || exit 1
echo v1 >app.txt && git add app.txt && git commit -q -m v1

export AZURE_STORAGE_ACCOUNT=$ACCOUNT AZURE_STORAGE_ACCOUNT_KEY=$KEY AZURE_STORAGE_BLOB_ENDPOINT=$ENDPOINT

# A small archive: one Put Blob.
run pr-snapshot --tag small -a "$T/small.tar.gz"
ok_if snapshot_upload_to_azurite '[ "$rc" -eq 0 ] && [ "$(jget "$T/out" .upload.container)" = pr-snapshots ]'
check snapshot_upload_fits_schema validate snapshot "$T/out"
$PY "$T/get_blob.py" "$ENDPOINT" "$ACCOUNT" "$KEY" pr-snapshots small.tar.gz "$T/small.blob" 2>"$T/get.err"
ok_if snapshot_uploaded_blob_hashes_to_manifest '[ -s "$T/small.blob" ] && [ "$(sha256sum <"$T/small.blob" | cut -d" " -f1)" = "$(jget "$T/out" .archive.sha256)" ]'
ok_if snapshot_account_key_never_printed '! grep -qF "$KEY" "$T/out" "$T/err"'

# A large archive (over 4 MiB): Put Block and Put Block List, bounded memory.
pg_start || exit 1
pg_sql "CREATE TABLE noise AS SELECT g AS id, md5(random()::text) || md5(random()::text) AS a FROM generate_series(1, 250000) g;"
DATABASE_URL=$PG_URL run pr-snapshot --tag large --container backups -a "$T/large.tar.gz"
ok_if snapshot_large_upload_uses_blocks '[ "$rc" -eq 0 ] && [ "$(jget "$T/out" .upload.blocks)" -ge 2 ]'
$PY "$T/get_blob.py" "$ENDPOINT" "$ACCOUNT" "$KEY" backups large.tar.gz "$T/large.blob" 2>"$T/get.err"
ok_if snapshot_large_blob_hashes_to_manifest '[ -s "$T/large.blob" ] && [ "$(sha256sum <"$T/large.blob" | cut -d" " -f1)" = "$(jget "$T/out" .archive.sha256)" ]'

# A wrong key: exit 4, one line with Azure's error code, the key not printed.
wrong=$(printf 'not-the-key-at-all-0123456789abc' | base64)
AZURE_STORAGE_ACCOUNT_KEY=$wrong run pr-snapshot -q --tag wrong-key -a "$T/wrong.tar.gz"
ok_if snapshot_upload_auth_failure_exits_4 '[ "$rc" -eq 4 ] && one_line "$T/err" && grep -q "HTTP 403" "$T/err"'
ok_if snapshot_wrong_key_never_printed '! grep -qF "$wrong" "$T/out" "$T/err"'
# The archive shares the tag's fate: neither is left to look like a snapshot.
ok_if snapshot_upload_failure_leaves_no_archive_or_tag '[ ! -e "$T/wrong.tar.gz" ] && ! git rev-parse -q --verify refs/tags/wrong-key >/dev/null'
# --no-upload: nothing is sent even with the account set.
run pr-snapshot --tag no-upload --no-upload -a "$T/nu.tar.gz"
ok_if snapshot_no_upload_flag '[ "$rc" -eq 0 ] && [ "$(jget "$T/out" .upload)" = null ]'

# A container SAS instead of the key (service SAS, signed here with the
# well-known key as a portal or `az storage container generate-sas` would).
sas=$($PY - "$ACCOUNT" "$KEY" pr-snapshots <<'EOP'
import base64, hashlib, hmac, sys
from urllib.parse import quote
account, key, container = sys.argv[1:4]
sp, se, sv, sr = "cw", "2099-01-01T00:00:00Z", "2021-12-02", "c"
sts = "\n".join([sp, "", se, f"/blob/{account}/{container}", "", "", "", sv, sr, "", "", "", "", "", "", ""])
sig = base64.b64encode(hmac.new(base64.b64decode(key), sts.encode(), hashlib.sha256).digest()).decode()
print(f"sv={sv}&sr={sr}&sp={sp}&se={quote(se, safe='')}&sig={quote(sig, safe='')}")
EOP
)
# shellcheck disable=SC2034 # read in the ok_if expression below
sasig=${sas##*sig=}
run env -u AZURE_STORAGE_ACCOUNT_KEY AZURE_STORAGE_SAS_TOKEN="$sas" pr-snapshot -q --tag sas -a "$T/sas.tar.gz"
ok_if snapshot_upload_with_sas_to_azurite '[ "$rc" -eq 0 ] && [ "$(jget "$T/out" .upload.credential)" = sas ]'
$PY "$T/get_blob.py" "$ENDPOINT" "$ACCOUNT" "$KEY" pr-snapshots sas.tar.gz "$T/sas.blob" 2>"$T/get.err"
ok_if snapshot_sas_blob_hashes_to_manifest '[ -s "$T/sas.blob" ] && [ "$(sha256sum <"$T/sas.blob" | cut -d" " -f1)" = "$(jget "$T/out" .archive.sha256)" ]'
ok_if snapshot_sas_sig_never_printed '! grep -qF "$sasig" "$T/out" "$T/err"'
run pr-snapshot -q --tag sas-url -a "$T/sasurl.tar.gz" --container "$ENDPOINT/pr-snapshots?$sas"
ok_if snapshot_upload_with_container_url_to_azurite '[ "$rc" -eq 0 ] && [ "$(jget "$T/out" .upload.credential)" = sas ] && ! grep -qF "$sasig" "$T/out" "$T/err"'
