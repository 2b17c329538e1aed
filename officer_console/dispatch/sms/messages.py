"""Vendor error codes → clear Chinese messages for the officer, and whether a later retry
may succeed (rate limits, vendor hiccups) or needs an administrator first (template, balance,
credentials). Kept apart from the clients so the wording can be reviewed in one place.
"""

from __future__ import annotations

__all__ = ["ALIYUN_ERRORS", "TENCENT_ERRORS"]

_ADMIN = "请联系管理员。"
_CHECK_ALIYUN_KEYS = "请联系管理员检查短信平台密钥配置（AccessKey）。"
_CHECK_TENCENT_KEYS = "请联系管理员检查短信平台密钥配置（SecretId/SecretKey）。"

# code → (message_zh, retryable)
ALIYUN_ERRORS: dict[str, tuple[str, bool]] = {
    "isv.BUSINESS_LIMIT_CONTROL": (
        "该号码触发短信平台流控（号码天级/小时级/分钟级发送上限），请稍后再发或改用电话联系。",
        True,
    ),
    "isv.DAY_LIMIT_CONTROL": ("已达到短信平台当日发送总量上限，请联系管理员。", False),
    "isv.SMS_TEMPLATE_ILLEGAL": (
        "短信模板不合法（模板不存在或未审核通过），请联系管理员检查短信模板配置。",
        False,
    ),
    "isv.TEMPLATE_MISSING_PARAMETERS": (
        "短信模板缺少变量，请联系管理员检查短信模板参数配置。",
        False,
    ),
    "isv.TEMPLATE_PARAMS_ILLEGAL": ("短信模板变量内容不合规，请联系管理员检查模板参数。", False),
    "isv.PARAM_LENGTH_LIMIT": ("短信模板变量超出长度限制，请联系管理员检查模板参数。", False),
    "isv.AMOUNT_NOT_ENOUGH": ("短信平台账户余额不足，短信未发出，请联系管理员充值。", False),
    "isv.OUT_OF_SERVICE": ("短信平台账户已停机（可能欠费），请联系管理员。", False),
    "isv.MOBILE_NUMBER_ILLEGAL": ("手机号码格式不正确，请核对群众预留的手机号码。", False),
    "isv.MOBILE_COUNT_OVER_LIMIT": ("一次提交的手机号码过多。", False),
    "isv.BLACK_KEY_CONTROL_LIMIT": ("短信内容含平台禁止的关键字，请联系管理员检查模板。", False),
    "isv.SMS_SIGNATURE_ILLEGAL": (
        "短信签名不合法（签名不存在或未审核通过），请联系管理员检查短信签名配置。",
        False,
    ),
    "isv.SMS_SIGNATURE_SCENE_ILLEGAL": ("短信签名与模板的使用场景不匹配，请联系管理员。", False),
    "SignatureDoesNotMatch": (
        "短信平台验证签名失败：AccessKey Secret 不正确，" + _CHECK_ALIYUN_KEYS,
        False,
    ),
    "InvalidAccessKeyId.NotFound": ("短信平台 AccessKey ID 不存在，" + _CHECK_ALIYUN_KEYS, False),
    "InvalidAccessKeyId.Inactive": ("短信平台 AccessKey 已被禁用，" + _CHECK_ALIYUN_KEYS, False),
    "isp.RAM_PERMISSION_DENY": ("短信平台账号无发送短信权限（RAM 授权），请联系管理员。", False),
    "InvalidTimeStamp.Expired": ("本机时间与标准时间相差过大，请校准系统时间后重试。", False),
    "SignatureNonceUsed": ("短信平台认为请求重复（随机数已使用），请重试。", True),
    "isp.SYSTEM_ERROR": ("阿里云短信平台系统错误，请稍后重试。", True),
    "Throttling.User": ("发送过于频繁，被短信平台限流，请稍后重试。", True),
}

# code → (message_zh, retryable)
TENCENT_ERRORS: dict[str, tuple[str, bool]] = {
    "LimitExceeded.PhoneNumberDailyLimit": (
        "该号码今日接收短信已达上限（号码天级流控），请明天再发或改用电话联系。",
        False,
    ),
    "LimitExceeded.PhoneNumberOneHourLimit": ("该号码1小时内接收短信已达上限，请稍后再发。", True),
    "LimitExceeded.PhoneNumberThirtySecondLimit": (
        "30秒内已向该号码发送过短信，请稍后再发。",
        True,
    ),
    "LimitExceeded.PhoneNumberSameContentDailyLimit": ("该号码今日已收到相同内容的短信。", False),
    "LimitExceeded.DailyLimit": ("已达到短信平台当日发送总量上限，" + _ADMIN, False),
    "LimitExceeded.AppDailyLimit": ("已达到短信应用当日发送上限，" + _ADMIN, False),
    "RequestLimitExceeded": ("发送过于频繁，被短信平台限流，请稍后重试。", True),
    "FailedOperation.InsufficientBalanceInSmsPackage": (
        "短信平台套餐包余量不足，短信未发出，请联系管理员购买套餐包。",
        False,
    ),
    "FailedOperation.TemplateIncorrectOrUnapproved": (
        "短信模板未审核通过或内容与模板不匹配，请联系管理员检查短信模板配置。",
        False,
    ),
    "FailedOperation.TemplateParamSetNotMatchApprovedTemplate": (
        "短信模板参数与审核通过的模板不匹配（参数缺失或个数不符），请联系管理员检查模板参数配置。",
        False,
    ),
    "FailedOperation.SignatureIncorrectOrUnapproved": (
        "短信签名未审核通过或格式错误，请联系管理员检查短信签名配置。",
        False,
    ),
    "FailedOperation.PhoneNumberInBlacklist": (
        "该号码已退订或在短信黑名单中，无法接收短信，请改用电话联系。",
        False,
    ),
    "FailedOperation.ContainSensitiveWord": ("短信内容含敏感词，请联系管理员检查模板。", False),
    "InvalidParameterValue.IncorrectPhoneNumber": (
        "手机号码格式不正确，请核对群众预留的手机号码。",
        False,
    ),
    "InvalidParameterValue.TemplateParameterFormatError": (
        "短信模板变量格式不正确，" + _ADMIN,
        False,
    ),
    "InvalidParameterValue.TemplateParameterLengthLimit": (
        "短信模板变量超出长度限制，" + _ADMIN,
        False,
    ),
    "InvalidParameterValue.SdkAppIdNotExist": ("短信应用 SdkAppId 不存在，" + _ADMIN, False),
    "UnauthorizedOperation.SmsSdkAppIdVerifyFail": ("短信应用 SdkAppId 校验失败，" + _ADMIN, False),
    "AuthFailure.SignatureFailure": (
        "短信平台验证签名失败：SecretKey 不正确，" + _CHECK_TENCENT_KEYS,
        False,
    ),
    "AuthFailure.SecretIdNotFound": ("短信平台 SecretId 不存在，" + _CHECK_TENCENT_KEYS, False),
    "AuthFailure.SignatureExpire": ("本机时间与标准时间相差过大，请校准系统时间后重试。", False),
    "AuthFailure.UnauthorizedOperation": (
        "短信平台账号无发送短信权限（CAM 授权），" + _ADMIN,
        False,
    ),
    "InternalError.Timeout": ("腾讯云短信平台内部超时，请稍后重试。", True),
    "InternalError": ("腾讯云短信平台内部错误，请稍后重试。", True),
}
