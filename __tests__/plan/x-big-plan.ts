/**
 * A large plan for the memory and time budgets (tests and `npm run bench`): mostly resources the stages do
 * not read (compute instances with long startup scripts, secret versions holding a planted secret), with
 * about a fifth of the bytes in resources they keep (IAM members, Cloud Run services); or only IAM members.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

/** What was written. */
export interface BigPlan {
  bytes: number;
  resources: number;
  kept: number;
}

/**
 * Writes a plan of at least `targetBytes` to `file`; `secret` is planted in every secret version. With
 * `allKept`, every change is an IAM member the stages keep (the worst case for memory).
 */
export async function writeBigPlan(file: string, targetBytes: number, secret: string, allKept = false): Promise<BigPlan> {
  const out = createWriteStream(file);
  let bytes = 0;
  const write = async (text: string) => {
    bytes += Buffer.byteLength(text);
    if (!out.write(text)) await once(out, 'drain');
  };
  await write('{"format_version":"1.2","terraform_version":"1.9.8","variables":{"db_password":{"value":' + JSON.stringify(secret) + '}},"resource_changes":[');
  const script = '#!/bin/bash\n' + 'echo "configuring the instance with a long startup script line"\n'.repeat(20);
  let resources = 0;
  let kept = 0;
  while (bytes < targetBytes) {
    const i = resources;
    let entry: unknown;
    if (allKept || i % 10 === 0) {
      kept++;
      entry = {
        address: `google_cloud_run_v2_service_iam_member.invoker["svc-${i}"]`,
        mode: 'managed',
        type: 'google_cloud_run_v2_service_iam_member',
        name: 'invoker',
        index: `svc-${i}`,
        provider_name: 'registry.terraform.io/hashicorp/google',
        change: {
          actions: ['create'],
          before: null,
          after: { condition: [], location: 'us-central1', member: 'serviceAccount:gw@gw-host.iam.gserviceaccount.com', name: `svc-${i}`, project: 'shop-prod', role: 'roles/run.invoker' },
          after_unknown: { condition: [], etag: true, id: true },
          before_sensitive: false,
          after_sensitive: { condition: [] },
        },
      };
    } else if (i % 10 === 5) {
      kept++;
      entry = {
        address: `google_cloud_run_v2_service.svc["svc-${i}"]`,
        mode: 'managed',
        type: 'google_cloud_run_v2_service',
        name: 'svc',
        index: `svc-${i}`,
        provider_name: 'registry.terraform.io/hashicorp/google',
        change: {
          actions: ['update'],
          before: { name: `svc-${i}`, location: 'us-central1', project: 'shop-prod', ingress: 'INGRESS_TRAFFIC_ALL', invoker_iam_disabled: false, template: [{ containers: [{ image: 'us-docker.pkg.dev/cloudrun/container/hello', env: [{ name: 'DB_PASSWORD', value: secret }] }] }] },
          after: { name: `svc-${i}`, location: 'us-central1', project: 'shop-prod', ingress: 'INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER', invoker_iam_disabled: false, template: [{ containers: [{ image: 'us-docker.pkg.dev/cloudrun/container/hello', env: [{ name: 'DB_PASSWORD', value: secret }] }] }] },
          after_unknown: { uri: true, urls: true },
          before_sensitive: {},
          after_sensitive: {},
        },
      };
    } else if (i % 10 === 7) {
      entry = {
        address: `google_secret_manager_secret_version.v${i}`,
        mode: 'managed',
        type: 'google_secret_manager_secret_version',
        name: `v${i}`,
        change: { actions: ['create'], before: null, after: { secret: 'projects/shop-prod/secrets/db', secret_data: secret }, after_unknown: { id: true }, before_sensitive: false, after_sensitive: { secret_data: true } },
      };
    } else {
      entry = {
        address: `google_compute_instance.vm${i}`,
        mode: 'managed',
        type: 'google_compute_instance',
        name: `vm${i}`,
        provider_name: 'registry.terraform.io/hashicorp/google',
        change: {
          actions: ['create'],
          before: null,
          after: { name: `vm-${i}`, machine_type: 'e2-medium', zone: 'us-central1-a', metadata: { 'startup-script': script }, boot_disk: [{ initialize_params: [{ image: 'debian-cloud/debian-12', size: 20 }] }], network_interface: [{ network: 'default', access_config: [{}] }], labels: { team: 'shop', index: String(i) } },
          after_unknown: { id: true, instance_id: true, self_link: true, network_interface: [{ network_ip: true, access_config: [{ nat_ip: true }] }] },
          before_sensitive: false,
          after_sensitive: {},
        },
      };
    }
    await write((resources > 0 ? ',' : '') + JSON.stringify(entry));
    resources++;
  }
  await write('],"configuration":{"provider_config":{"google":{"name":"google","expressions":{"project":{"constant_value":"shop-prod"},"credentials":{"constant_value":' + JSON.stringify(secret) + '}}}},"root_module":{}},"applyable":true,"complete":true,"errored":false}\n');
  out.end();
  await once(out, 'finish');
  return { bytes, resources, kept };
}
