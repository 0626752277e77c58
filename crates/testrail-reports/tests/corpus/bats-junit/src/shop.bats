#!/usr/bin/env bats

setup_file() {
  rm -f "${BATS_FILE_TMPDIR}/flaky.marker"
}

@test "C2601 login works" {
  [ "$((1 + 1))" -eq 2 ]
}

@test "C2602: login with wrong password is rejected" {
  result="denied"
  echo "expected login to be granted for bad password, got $result"
  [ "$result" = "granted" ]
}

@test "C2603 checkout command fails" {
  run sh -c 'echo "payment gateway timeout" >&2; exit 7'
  echo "exit status was $status: $output"
  [ "$status" -eq 0 ]
}

@test "C2604 coupon applies" {
  skip "coupon service not deployed"
}

@test "cart totals [C2605][C2606]" {
  [ "$((12 * 10))" -eq 120 ]
}

@test "logout without case id" {
  true
}

@test "C2607 flaky search" {
  BATS_TEST_RETRIES=1
  if [ ! -e "${BATS_FILE_TMPDIR}/flaky.marker" ]; then
    touch "${BATS_FILE_TMPDIR}/flaky.marker"
    echo "search index not ready"
    false
  fi
}

@test "C2608 special chars <&> \"quoted\"" {
  echo 'boom <&> "quoted"'
  false
}

@test "C2609 skip without reason" {
  skip
}
