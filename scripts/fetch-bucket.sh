#!/usr/bin/env bash
# Writes a bucket folder (docs/bucket-folder.md) for one bucket with the AWS CLI, plus the
# owner's account folder beside it.
#
# Usage: scripts/fetch-bucket.sh BUCKET OUTDIR [--profile P] [--object KEY]... [--skip-iam]
#
#   BUCKET        the bucket name
#   OUTDIR        the bucket folder to write (created; existing files are overwritten)
#   --profile P   AWS CLI profile to use
#   --object KEY  also record the ACL and metadata of this object (repeatable)
#   --skip-iam    do not fetch `aws iam get-account-authorization-details` (large accounts)
#
# Run it with credentials of the account that owns the bucket. It makes read-only calls, which
# need s3:GetBucketPolicy, s3:GetBucketAcl, s3:GetBucketOwnershipControls,
# s3:GetBucketPublicAccessBlock, s3:GetBucketPolicyStatus, s3:GetEncryptionConfiguration,
# s3:GetBucketVersioning, s3:GetBucketLogging, s3:GetBucketCORS,
# s3:GetBucketObjectLockConfiguration, s3:GetBucketNotification, s3:GetBucketLocation,
# s3:GetObjectAcl and s3:GetObject (head-object, with --object), s3:ListAllMyBuckets, s3:GetAccountPublicAccessBlock,
# s3:ListAccessPoints, s3:GetAccessPoint, s3:GetAccessPointPolicy,
# s3:ListMultiRegionAccessPoints, s3:GetMultiRegionAccessPoint,
# s3:GetMultiRegionAccessPointPolicy, sts:GetCallerIdentity and
# iam:GetAccountAuthorizationDetails; for the KMS keys of the default encryption and of the
# objects, kms:DescribeKey, kms:GetKeyPolicy, kms:ListGrants and kms:ListAliases (a key of another
# account needs them there; without them its files are left out and the KMS leg stays unknown);
# for the event notification destinations, sns:GetTopicAttributes, sqs:GetQueueUrl,
# sqs:GetQueueAttributes and lambda:GetPolicy; and ec2:DescribeVpcEndpoints for the account's
# S3 VPC endpoints in the bucket's region.
#
# A configuration the bucket does not have (NoSuchBucketPolicy and the like) is written as
# `{}`; a call that fails for another reason (AccessDenied, throttling) leaves no file, which
# s3-access reads as "unknown". The AWS CLI prints nothing for an empty response, so empty
# output of a successful call is also written as `{}`.

set -euo pipefail
export AWS_PAGER=""

usage() {
    sed -n '5,11p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

note() { printf 'fetch-bucket: %s\n' "$*" >&2; }

bucket=""
outdir=""
profile=()
objects=()
skip_iam=0
while [[ $# -gt 0 ]]; do
    case $1 in
        --profile)
            [[ $# -ge 2 ]] || usage
            profile=(--profile "$2")
            shift 2
            ;;
        --object)
            [[ $# -ge 2 ]] || usage
            objects+=("$2")
            shift 2
            ;;
        --skip-iam)
            skip_iam=1
            shift
            ;;
        -h | --help) usage ;;
        -*) usage ;;
        *)
            if [[ -z $bucket ]]; then
                bucket=$1
            elif [[ -z $outdir ]]; then
                outdir=$1
            else
                usage
            fi
            shift
            ;;
    esac
done
[[ -n $bucket && -n $outdir ]] || usage
command -v aws >/dev/null || {
    note "the AWS CLI (aws) is not installed"
    exit 2
}

aws_cli() {
    aws ${profile[@]+"${profile[@]}"} --output json "$@"
}

# A JSON string literal.
json_str() {
    local s=$1
    s=${s//\\/\\\\}
    s=${s//\"/\\\"}
    s=${s//$'\t'/\\t}
    s=${s//$'\n'/\\n}
    s=${s//$'\r'/\\r}
    printf '"%s"' "$s"
}

# fetch FILE "ABSENT_CODES" AWS_ARGS...: runs the CLI and writes its output to FILE. An error
# whose code is in ABSENT_CODES writes `{}`; any other error removes FILE (unknown).
fetch() {
    local file=$1 absent=$2 out code err
    shift 2
    err=$(mktemp)
    if out=$(aws_cli "$@" 2>"$err"); then
        if [[ -z ${out//[[:space:]]/} ]]; then
            out='{}'
        fi
        printf '%s\n' "$out" >"$file"
    else
        code=$(sed -n 's/.*An error occurred (\([A-Za-z0-9.]*\)).*/\1/p' "$err" | head -n 1)
        if [[ -n $code && " $absent " == *" $code "* ]]; then
            printf '{}\n' >"$file"
            note "$file: not configured ($code), written as {}"
        else
            rm -f "$file"
            note "$file: unknown, left out: $(tr '\n' ' ' <"$err")"
        fi
    fi
    rm -f "$err"
}

# A value printed with --output text, or empty when the call fails or prints None.
text() {
    local v
    if v=$(aws ${profile[@]+"${profile[@]}"} --output text "$@" 2>/dev/null) && [[ $v != None ]]; then
        printf '%s' "$v"
    fi
}

account=$(text sts get-caller-identity --query Account)
if [[ -z $account ]]; then
    note "sts get-caller-identity failed; check your credentials"
    exit 1
fi
canonical_id=$(text s3api list-buckets --query Owner.ID)
[[ -n $canonical_id ]] || note "could not read the canonical id (s3:ListAllMyBuckets); canonical_id left out"

mkdir -p "$outdir"
cd "$outdir"

fetch location.json "" s3api get-bucket-location --bucket "$bucket"
constraint=$(text s3api get-bucket-location --bucket "$bucket" --query LocationConstraint)
case $constraint in
    "") region=us-east-1 ;;
    EU) region=eu-west-1 ;;
    *) region=$constraint ;;
esac
s3api=(s3api --region "$region")

fetch acl.json "" "${s3api[@]}" get-bucket-acl --bucket "$bucket"
owner_id=$(text "${s3api[@]}" get-bucket-acl --bucket "$bucket" --query Owner.ID)
if [[ -n $owner_id && -n $canonical_id && $owner_id != "$canonical_id" ]]; then
    note "bucket $bucket is owned by canonical id $owner_id, not by the caller's account $account"
    note "run this script with credentials of the bucket owner's account"
    exit 1
fi

fetch policy.json "NoSuchBucketPolicy" "${s3api[@]}" get-bucket-policy --bucket "$bucket"
fetch ownership-controls.json "OwnershipControlsNotFoundError" \
    "${s3api[@]}" get-bucket-ownership-controls --bucket "$bucket"
fetch public-access-block.json "NoSuchPublicAccessBlockConfiguration" \
    "${s3api[@]}" get-public-access-block --bucket "$bucket"
fetch policy-status.json "NoSuchBucketPolicy" "${s3api[@]}" get-bucket-policy-status --bucket "$bucket"
fetch encryption.json "ServerSideEncryptionConfigurationNotFoundError" \
    "${s3api[@]}" get-bucket-encryption --bucket "$bucket"
fetch versioning.json "" "${s3api[@]}" get-bucket-versioning --bucket "$bucket"
fetch logging.json "" "${s3api[@]}" get-bucket-logging --bucket "$bucket"
fetch cors.json "NoSuchCORSConfiguration" "${s3api[@]}" get-bucket-cors --bucket "$bucket"
fetch object-lock.json "ObjectLockConfigurationNotFoundError" \
    "${s3api[@]}" get-object-lock-configuration --bucket "$bucket"
fetch notification.json "" "${s3api[@]}" get-bucket-notification-configuration --bucket "$bucket"

# The policies of the event notification destinations: destinations/sns/<topic>.json,
# destinations/sqs/<queue>.json, destinations/lambda/<function>[.<qualifier>].json. A destination
# whose policy cannot be read (another account's, say) is left out: s3-access notes it as not
# checked (S518). A function without a resource policy is written as `{}`. The KMS key of an
# encrypted topic or queue (KmsMasterKeyId) is fetched with the bucket's keys below (S523).
kms_keys=()
if [[ -f notification.json ]]; then
    rm -rf destinations
    notification=("${s3api[@]}" get-bucket-notification-configuration --bucket "$bucket")
    for arn in $(text "${notification[@]}" --query 'TopicConfigurations[].TopicArn'); do
        [[ $arn == None ]] && continue
        mkdir -p destinations/sns
        fetch "destinations/sns/${arn##*:}.json" "" \
            sns --region "$region" get-topic-attributes --topic-arn "$arn"
        kms_keys+=("$(text sns --region "$region" get-topic-attributes --topic-arn "$arn" \
            --query Attributes.KmsMasterKeyId)")
    done
    for arn in $(text "${notification[@]}" --query 'QueueConfigurations[].QueueArn'); do
        [[ $arn == None ]] && continue
        name=${arn##*:}
        queue_account=$(cut -d: -f5 <<<"$arn")
        url=$(text sqs --region "$region" get-queue-url --queue-name "$name" \
            --queue-owner-aws-account-id "$queue_account" --query QueueUrl)
        if [[ -z $url ]]; then
            note "destinations/sqs/$name.json: unknown, left out: sqs get-queue-url failed"
            continue
        fi
        mkdir -p destinations/sqs
        fetch "destinations/sqs/$name.json" "" \
            sqs --region "$region" get-queue-attributes --queue-url "$url" \
            --attribute-names Policy QueueArn KmsMasterKeyId
        kms_keys+=("$(text sqs --region "$region" get-queue-attributes --queue-url "$url" \
            --attribute-names KmsMasterKeyId --query Attributes.KmsMasterKeyId)")
    done
    for arn in $(text "${notification[@]}" --query 'LambdaFunctionConfigurations[].LambdaFunctionArn'); do
        [[ $arn == None ]] && continue
        function=${arn#*:function:}
        mkdir -p destinations/lambda
        fetch "destinations/lambda/${function/:/.}.json" "ResourceNotFoundException" \
            lambda --region "$region" get-policy --function-name "$arn"
    done
fi

# Access points of this account on this bucket (cross-account access points are not listed).
s3control=(s3control --region "$region")
if names=$(aws ${profile[@]+"${profile[@]}"} --output text "${s3control[@]}" list-access-points \
    --account-id "$account" --bucket "$bucket" --query 'AccessPointList[].Name' 2>/dev/null); then
    rm -rf access-points
    mkdir -p access-points
    for name in $names; do
        [[ $name == None ]] && continue
        mkdir -p "access-points/$name"
        fetch "access-points/$name/access-point.json" "" \
            "${s3control[@]}" get-access-point --account-id "$account" --name "$name"
        fetch "access-points/$name/policy.json" "NoSuchAccessPointPolicy" \
            "${s3control[@]}" get-access-point-policy --account-id "$account" --name "$name"
    done
else
    note "access points unknown (s3control list-access-points failed); access-points/ left out"
fi

# Multi-Region Access Points of this account that route to this bucket. Their control plane
# is served from us-west-2 whatever the bucket's region (S3 "Multi-Region Access Point
# restrictions and limitations").
mrap=(s3control --region us-west-2)
if names=$(aws ${profile[@]+"${profile[@]}"} --output text "${mrap[@]}" list-multi-region-access-points \
    --account-id "$account" \
    --query "AccessPoints[?contains(Regions[].Bucket, '$bucket')].Name" 2>/dev/null); then
    rm -rf multi-region-access-points
    mkdir -p multi-region-access-points
    for name in $names; do
        [[ $name == None ]] && continue
        mkdir -p "multi-region-access-points/$name"
        fetch "multi-region-access-points/$name/multi-region-access-point.json" "" \
            "${mrap[@]}" get-multi-region-access-point --account-id "$account" --name "$name"
        fetch "multi-region-access-points/$name/policy.json" "" \
            "${mrap[@]}" get-multi-region-access-point-policy --account-id "$account" --name "$name"
    done
else
    note "Multi-Region Access Points unknown (s3control list-multi-region-access-points failed); multi-region-access-points/ left out"
fi

# Object ACLs named with --object.
object_entries=()
if [[ ${#objects[@]} -gt 0 ]]; then
    mkdir -p objects
    i=0
    for key in "${objects[@]}"; do
        i=$((i + 1))
        safe=$(printf '%s' "$key" | tr -c 'A-Za-z0-9._-' '-')
        file="objects/$i-$safe.acl.json"
        fetch "$file" "" "${s3api[@]}" get-object-acl --bucket "$bucket" --key "$key"
        entry="{\"key\": $(json_str "$key")"
        if [[ -f $file ]]; then
            entry+=", \"acl\": $(json_str "$file")"
            object_owner=$(text "${s3api[@]}" get-object-acl --bucket "$bucket" --key "$key" --query Owner.ID)
            if [[ -n $object_owner && $object_owner == "$canonical_id" ]]; then
                entry+=", \"owner_account\": $(json_str "$account")"
            fi
        fi
        head="objects/$i-$safe.head.json"
        fetch "$head" "" "${s3api[@]}" head-object --bucket "$bucket" --key "$key"
        if [[ -f $head ]]; then
            entry+=", \"head\": $(json_str "$head")"
            kms_keys+=("$(text "${s3api[@]}" head-object --bucket "$bucket" --key "$key" --query SSEKMSKeyId)")
        fi
        object_entries+=("$entry}")
    done
fi

# The KMS keys of the default encryption and of the objects: kms/<key-id>/ with the key's
# description, key policy, grants and aliases. SSE-KMS without a key id uses the AWS managed aws/s3 key.
if [[ -f encryption.json ]]; then
    default_alg=$(text "${s3api[@]}" get-bucket-encryption --bucket "$bucket" \
        --query 'ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm')
    default_key=$(text "${s3api[@]}" get-bucket-encryption --bucket "$bucket" \
        --query 'ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.KMSMasterKeyID')
    if [[ $default_alg == aws:kms* ]]; then
        kms_keys+=("${default_key:-alias/aws/s3}")
    fi
fi
kms=(kms --region "$region")
seen_keys=" "
for key in ${kms_keys[@]+"${kms_keys[@]}"}; do
    [[ -z $key ]] && continue
    arn=$(text "${kms[@]}" describe-key --key-id "$key" --query KeyMetadata.Arn)
    if [[ -z $arn ]]; then
        note "kms key $key: describe-key failed; its folder is left out (the KMS leg stays unknown)"
        continue
    fi
    [[ $seen_keys == *" $arn "* ]] && continue
    seen_keys+="$arn "
    dir="kms/${arn##*:key/}"
    mkdir -p "$dir"
    fetch "$dir/describe-key.json" "" "${kms[@]}" describe-key --key-id "$arn"
    fetch "$dir/key-policy.json" "" "${kms[@]}" get-key-policy --key-id "$arn" --policy-name default
    fetch "$dir/grants.json" "" "${kms[@]}" list-grants --key-id "$arn"
    fetch "$dir/aliases.json" "" "${kms[@]}" list-aliases --key-id "$arn"
done

# The account's S3 VPC endpoints in the bucket's region, with their policies: a request
# through one of them (aws:SourceVpce) must be allowed by its policy too.
fetch vpc-endpoints.json "" ec2 --region "$region" describe-vpc-endpoints \
    --filters "Name=service-name,Values=com.amazonaws.$region.s3"

# The owner's account folder, beside the bucket folder.
account_rel="../account-$account"
mkdir -p "$account_rel"
fetch "$account_rel/public-access-block.json" "NoSuchPublicAccessBlockConfiguration" \
    "${s3control[@]}" get-public-access-block --account-id "$account"
if [[ $skip_iam -eq 0 ]]; then
    fetch "$account_rel/authorization-details.json" "" iam get-account-authorization-details
fi
# The account's trails and their event selectors (which S3 object events they record). The
# folder is written only when the trails can be listed: without it, nothing is known.
if trails=$(aws ${profile[@]+"${profile[@]}"} --output text cloudtrail describe-trails \
    --query 'trailList[].TrailARN' 2>/dev/null); then
    mkdir -p "$account_rel/trails"
    [[ $trails == None ]] && trails=""
    for arn in $trails; do
        fetch "$account_rel/trails/${arn##*/}.json" "" cloudtrail get-event-selectors --trail-name "$arn"
        # A trail whose selectors could not be read leaves the account's coverage unknown.
        if [[ ! -f "$account_rel/trails/${arn##*/}.json" ]]; then
            rm -rf "$account_rel/trails"
            note "$account_rel/trails: left out, the selectors of $arn could not be read"
            break
        fi
    done
fi
{
    printf '{\n    "s3-access": 1,\n    "account": %s' "$(json_str "$account")"
    if [[ -n $canonical_id ]]; then
        printf ',\n    "canonical_id": %s' "$(json_str "$canonical_id")"
    fi
    printf '\n}\n'
} >"$account_rel/s3-access.json"

{
    printf '{\n    "s3-access": 1,\n    "bucket": %s,\n    "account": %s' \
        "$(json_str "$bucket")" "$(json_str "$account")"
    if [[ -n $canonical_id ]]; then
        printf ',\n    "canonical_id": %s' "$(json_str "$canonical_id")"
    fi
    printf ',\n    "region": %s,\n    "account_dir": %s' "$(json_str "$region")" "$(json_str "$account_rel")"
    if [[ ${#object_entries[@]} -gt 0 ]]; then
        printf ',\n    "objects": [\n'
        sep=""
        for entry in "${object_entries[@]}"; do
            printf '%s        %s' "$sep" "$entry"
            sep=$',\n'
        done
        printf '\n    ]'
    fi
    printf '\n}\n'
} >s3-access.json

note "wrote $outdir (account folder: $account_rel)"
