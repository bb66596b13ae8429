//! Loading what AWS exports: `aws iam get-account-authorization-details`, bucket policies
//! (`aws s3api get-bucket-policy`), and `aws organizations` listings.

use crate::load::Loader;
use crate::manifest::ImportEntry;

pub(crate) fn load_import(loader: &mut Loader, entry: &ImportEntry) {
    let range = entry.kind.span();
    let span = xacct_policy::Span::new(range.start, range.end);
    loader
        .error("unsupported-import", span, format!("import kind `{}` is not supported yet", entry.kind.get_ref()))
        .help = Some("supported kinds: none yet".to_owned());
}
