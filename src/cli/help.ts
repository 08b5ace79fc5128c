/** `gateway-guard --help`. */
import { HOMEPAGE, VERSION } from '../version.ts';

export const HELP = `gateway-guard ${VERSION} — check the Google Cloud IAM behind every x-google-backend of an API Gateway config

Usage:
  gateway-guard check SPEC... --service-account SA [options]
  gateway-guard check --api-config NAME [options]
  gateway-guard check --terraform-plan FILE [options]   (the plan's API config is checked)
  gateway-guard --help | --version

Checks that no backend can be called without authentication and that the gateway's
service account may invoke every backend. SPEC files (OpenAPI 2.0 or 3.x, YAML or JSON;
paths or globs) are relative to the current directory and must be inside it.

Options:
  -s, --service-account SA  the gateway's service account: an email, or
                            projects/PROJECT/serviceAccounts/ID (required with SPEC)
      --api-config NAME     check what is deployed instead of files:
                              projects/P/locations/global/apis/A/configs/C  one config
                              projects/P/locations/global/apis/A            every config of the API
                              projects/P/locations/REGION/gateways/G        the config the gateway serves
                            the config's own gatewayServiceAccount is checked; --service-account
                            only serves configs that declare none
  -p, --project P           project(s) to search for addresses that do not name theirs
                            (hash-style *.a.run.app URLs); repeat or comma-separate
      --policy FILE         policy file: exceptions, severity overrides, projects
                            (default .github/gateway-guard.yml, when it exists)
      --fail-on LEVEL       error (default), warning or never: lowest severity that fails
  -f, --format FORMAT       text (default), json (the JSON report) or sarif (SARIF 2.1.0)
      --concurrency N       most Google API calls in flight at once (default 16)
      --timeout S           seconds for the whole check (default 300)
      --troubleshoot        also ask Policy Troubleshooter for a second opinion on each grant
      --asset-inventory     read allow policies in bulk through Cloud Asset Inventory
      --terraform-plan FILE judge the state after a Terraform/OpenTofu plan is applied
                            (terraform show -json PLAN > FILE); repeatable
      --allowed-projects P  only look into these projects (IDs or patterns like shop-*);
                            an address elsewhere is backend-not-found, without a Google call
      --show-members        name group/user/domain members in the output (else counted)
      --color, --no-color   force colours on or off (default: on for a terminal;
                            NO_COLOR and FORCE_COLOR are respected)
  -h, --help                show this help
  -V, --version             show the version

Exit status: 0 the gate passes, 1 the gate fails, 2 usage or input error.

Credentials: Application Default Credentials (gcloud auth application-default login, or
GOOGLE_APPLICATION_CREDENTIALS); read-only access is enough. With
GATEWAY_GUARD_EMULATOR_HOST=host:port every Google API call goes to that emulator instead.

Examples:
  gateway-guard check openapi.yaml -s gw@my-project.iam.gserviceaccount.com -p shop-prod
  gateway-guard check 'specs/*.yaml' -s gw@my-project.iam.gserviceaccount.com -f sarif > gg.sarif
  gateway-guard check --api-config projects/my-project/locations/us-central1/gateways/shop

${HOMEPAGE}
`;
