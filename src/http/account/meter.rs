//! The strength meter behind the password fields: the same policy as the
//! server applies on submit, asked while the provider types.

use crate::http::extract::Json;
use axum::extract::{State};
use serde::{Deserialize, Serialize};

use crate::accounts::password_policy::{self, PersonalData};
use crate::http::{App, ClientIp};
use crate::http::error::AppError;
use crate::http::locale::Locale;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeterRequest {
    password: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    practice_name: String,
    #[serde(default)]
    slug: String,
}

#[derive(Serialize)]
pub struct MeterResponse {
    /// zxcvbn's score, 0 (weakest) to 4.
    score: u8,
    ok: bool,
    /// What is wrong and what works instead, in the user's language; empty when fine.
    message: String,
}

pub async fn check(
    State(app): State<App>,
    locale: Locale,
    client: ClientIp,
    Json(request): Json<MeterRequest>,
) -> Result<Json<MeterResponse>, AppError> {
    if app.meter.check_key(&client.key()).is_err() {
        return Err(AppError::RateLimited);
    }
    let tr = locale.tr();
    let email = request.email.trim().to_lowercase();
    let personal = PersonalData { name: &request.name, email: &email, practice_name: &request.practice_name, slug: &request.slug };
    let assessment = password_policy::assess(&request.password, &personal);
    let message = assessment.problem.map(|problem| tr.t(super::signup::password_problem_key(problem))).unwrap_or_default();
    Ok(Json(MeterResponse { score: assessment.score, ok: assessment.problem.is_none(), message }))
}
