#!/usr/bin/env bash
# What a careful person does with the aws CLI to provision the same role, step by step:
# identity, each bucket's region and encryption, each KMS key, the existing role and
# policy, then create policy, create role, attach. Prints the number of aws calls made.
# Usage: aws-cli-baseline.sh AWS ROLE POLICY TRUST_FILE POLICY_FILE BUCKET...
set -uo pipefail
aws=$1 role=$2 policy=$3 trust=$4 document=$5
shift 5
calls=0
call() { calls=$((calls + 1)); "$aws" "$@" >/dev/null 2>&1; }
keyfor() { "$aws" s3api get-bucket-encryption --bucket "$1" \
    --query 'ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.KMSMasterKeyID' \
    --output text 2>/dev/null; }

account=$("$aws" sts get-caller-identity --query Account --output text)
calls=$((calls + 1))
for bucket in "$@"; do
    call s3api get-bucket-location --bucket "$bucket"
    key=$(keyfor "$bucket")
    calls=$((calls + 1))
    if [[ -n $key && $key != None ]]; then
        call kms describe-key --key-id "$key"
    fi
done
call iam get-role --role-name "$role"
call iam get-policy --policy-arn "arn:aws:iam::$account:policy/$policy"
call iam create-policy --policy-name "$policy" --policy-document "file://$document" \
    --tags Key=managed-by,Value=provision-role
call iam create-role --role-name "$role" --assume-role-policy-document "file://$trust" \
    --tags Key=managed-by,Value=provision-role
call iam attach-role-policy --role-name "$role" --policy-arn "arn:aws:iam::$account:policy/$policy"
echo "$calls"
