# The IAM of the demo's backends, as a pull request changes it. `npm run demo` checks
# ../openapi.yaml against the plan of this change (tfplan.json, `terraform show -json` output):
# the first grant fixes the live missing-invoker on billing, the second opens orders to everyone.

provider "google" {
  project = "shop-prod"
}

# Fixes: the gateway could not invoke billing.
resource "google_cloud_run_v2_service_iam_member" "billing_gateway" {
  location = "europe-west1"
  name     = "billing"
  role     = "roles/run.invoker"
  member   = "serviceAccount:gw@gw-host.iam.gserviceaccount.com"
}

# Introduces: orders becomes public, behind the gateway's back.
resource "google_cloud_run_v2_service_iam_member" "orders_public" {
  location = "us-central1"
  name     = "orders"
  role     = "roles/run.invoker"
  member   = "allUsers"
}
