"""HTML fixtures for the extraction tests, written inline (no network, no corpus needed).

SEED_WECHAT_HTML renders the project's seed article (/work/shared/seeds) as a WeChat
page of the 2023 template: English paragraph, then its Chinese translation, two
English-only captions under photos, and the real boilerplate tail.
"""
from __future__ import annotations

from html import escape

SEED_TITLE = "一场遇见未来之旅:创新城市国际交流营在深圳举行"
SEED_ACCOUNT = "深圳日报(英文)微信公众号"

# (kind, text): p = body paragraph, img = photo, cap = caption paragraph, raw = verbatim markup
SEED_BODY: list[tuple[str, str]] = [
    ("p", "Some 20 government officials, scholars and representatives from Shenzhen’s international sister cities and friendship organizations spent the past week in the city for the innovative cities international exchange camp highlighting innovation and sustainable development."),
    ("p", "二十位来自深圳国际友好城市、友好机构的代表于6月5日起参加为期1周的以“创新与可持续发展”为主题的创新城市国际交流营,从多个维度探讨创新与可持续发展。"),
    ("p", "The event was jointly organized by the Shenzhen Municipal Foreign Affairs Office and Tsinghua Shenzhen International Graduate School."),
    ("p", "本次创新城市国际交流营由深圳市人民政府外事办公室与清华大学深圳国际研究生院共同举办。"),
    ("img", "https://mmbiz.qpic.cn/mmbiz_jpg/AbCdEf123/640?wx_fmt=jpeg"),
    ("cap", "Participants in the innovative cities international exchange camp pose for a group photo. Courtesy of the event organizer"),
    ("p", "An opening ceremony was held June 5 to kick off the camp. Cao Saixian, director general of the Shenzhen Municipal Foreign Affairs Office, said at the ceremony that Shenzhen has attached great importance to innovation and sustainable development, and is promoting the coordinated development of the environment, economy and society, and harmony between man and nature."),
    ("p", "6月5日,创新城市国际交流营举行开营仪式。市外办主任曹赛先在致词中表示,深圳坚持把创新作为城市发展的主导战略,同时高度重视可持续发展,最大限度促进环境与经济社会协调发展、人与自然和谐共生。"),
    ("p", "The weeklong event included a seminar, a cultural experience program, an exchange meeting, company visits and field surveys on urban infrastructure."),
    ("p", "交流营活动包括交流会、专题研讨课、企业和机构参访、城市基础设施调研与文化体验等。"),
    ("img", "https://mmbiz.qpic.cn/mmbiz_jpg/GhIjKl456/640?wx_fmt=jpeg"),
    ("cap", "Foreign participants of the exchange camp show their printmaking works during their visit to Guanlan Print Village in Longhua District."),
    ("p", "Participants visited Shenzhen-based companies such as Huawei, Tencent and Mindray, and went to Dasha River as well as Nanshan energy ecological park to get a glimpse of innovative and sustainable practices in Shenzhen's cultural leisure and urban infrastructure construction. They also visited Guanlan Print Village and Mangrove Nature Reserve to admire the city’s ecological environment."),
    ("p", "营员们参访了华为、腾讯、迈瑞医疗等相关企业。通过游览大沙河与南山能源生态园,营员们更深体会到创新与可持续理念在深圳的文化休闲与城市基础设施建设中的优秀实践。组织营员在观澜版画村体验中国传统文化,徒步在红树林自然保护区,近距离感受深圳优美的自然风光与资源禀赋。"),
    ("p", "Through the diverse activities, the participants learned about Shenzhen’s efforts in related endeavors and shared their own experience and solutions to common challenges."),
    ("p", "通过系列活动,营员了解了深圳创新与可持续发展所做的努力,为创新实践和城市可持续发展积极贡献各自领域和城市的经验和做法,为新时代共同面对的挑战提供解决方案。"),
    ("p", "Representatives of the Barcelona government talked with Bao'an District over industrial design and with Pingshan District over new energy vehicles."),
    ("p", "巴塞罗那政府代表与宝安区将在工业设计领域进行深入对接,与坪山区就新能源汽车初步进行了洽谈。"),
    ("p", "German representatives from Bavaria and Munich discussed the overseas business expansion of Shenzhen start-ups for potential cooperation opportunities."),
    ("p", "巴伐利亚州与慕尼黑代表就深圳初创企业的海外商业拓展进行了深入探讨,表示会探索潜在的合作机会。"),
    ("p", "Representatives of the Almaty government expressed their intention to exchange government employees with Shenzhen to learn Shenzhen’s smart city solutions."),
    ("p", "阿拉木图政府代表表示有意向与深圳互派公务员,学习深圳智慧城市解决方案,"),
    ("p", "Representatives from Aichi Prefecture, Japan, went to Longhua Guanlan Print Village to further understand the measures on traditional culture protection. During the event, representatives of the Moscow Innovation Cluster Fund signed a memorandum of understanding with iMakerbase to help increase opportunities for Chinese and Russian entrepreneurs."),
    ("p", "日本爱知县代表此次来到龙华观澜版画村更进一步了解了中国政府和民间力量合力保护传统文化的举措。莫斯科创新集群代表活动期间与大公坊签署了谅解备忘录,旨在帮助中国和俄罗斯创新创业者获得更多机会。"),
    ("p", "(原标题《一场遇见未来之旅:创新城市国际交流营在深圳举行》)"),
    ("p", "编辑 王子烨 审读 刘春生 二审 周梦璇 三审 董晓敏"),
    ("raw", '<section><p><strong>免责声明</strong></p><p><span style="color:#888">未经许可或明确书面授权,任何人不得复制、转载、摘编、修改、链接读特客户端内容</span></p></section>'),
    ("raw", '<section><p>推荐阅读</p><ul><li><a href="#">深圳地铁新线开通</a></li><li><a href="#">前海再迎新机遇</a></li></ul>'
            '<p>读特热榜</p><p>IN视频</p><p>鹏友圈</p><p>首页</p></section>'),
]

# the seed's English paragraphs that have a Chinese counterpart, in order
SEED_EXPECTED_PAIR_STARTS: list[tuple[str, str]] = [
    ("Some 20 government officials", "二十位来自深圳"),
    ("The event was jointly organized", "本次创新城市国际交流营"),
    ("An opening ceremony was held June 5", "6月5日,创新城市"),
    ("The weeklong event included", "交流营活动包括"),
    ("Participants visited Shenzhen-based companies", "营员们参访了华为"),
    ("Through the diverse activities", "通过系列活动"),
    ("Representatives of the Barcelona government", "巴塞罗那政府代表"),
    ("German representatives from Bavaria", "巴伐利亚州与慕尼黑"),
    ("Representatives of the Almaty government", "阿拉木图政府代表"),
    ("Representatives from Aichi Prefecture", "日本爱知县代表"),
]


def _body_markup(items: list[tuple[str, str]]) -> str:
    out = []
    for kind, value in items:
        if kind == "p":
            out.append(f'<p style="text-align: justify;"><span style="font-size: 15px;">{escape(value)}</span></p>')
        elif kind == "img":
            out.append(f'<p style="text-align:center"><img class="rich_pages wxw-img" data-ratio="0.66" '
                       f'data-src="{value}" data-type="jpeg" data-w="1080" src="data:image/gif;base64,R0lGOD"></p>')
        elif kind == "cap":
            out.append(f'<p style="text-align:center"><span style="color:#888;font-size:12px">{escape(value)}</span></p>')
        else:
            out.append(value)
    return "\n".join(out)


def wechat_page(title: str, account: str, body_items: list[tuple[str, str]], ct: str = "1686653940",
                url: str = "http://mp.weixin.qq.com/s?__biz=MzA3NjU2NzY3Mw==&amp;mid=2651234567&amp;idx=1"
                           "&amp;sn=0123456789abcdef&amp;chksm=84b1d2c3f3c6ad5d&amp;scene=21#rd") -> str:
    """A WeChat article page of the 2023 template around the given body."""
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8">
<meta property="og:title" content="{escape(title)}">
<meta property="og:url" content="{url}">
<meta property="og:image" content="https://mmbiz.qpic.cn/mmbiz_jpg/cover/0?wx_fmt=jpeg">
<meta name="author" content="">
<title>{escape(title)}</title>
<script>var nickname = htmlDecode("{escape(account)}"); var ct = "{ct}"; var msg_title = '{escape(title)}'.html(false);
var msg_link = "{url}";</script>
</head><body id="activity-detail" class="zh_CN">
<div class="rich_media_inner"><div id="page-content" class="rich_media_area_primary">
<h1 class="rich_media_title" id="activity-name">
  {escape(title)}
</h1>
<div id="meta_content" class="rich_media_meta_list">
  <span class="rich_media_meta rich_media_meta_nickname" id="profileBt"><a href="javascript:void(0);" id="js_name">
   {escape(account)}</a></span>
  <em id="publish_time" class="rich_media_meta rich_media_meta_text"></em>
</div>
<div class="rich_media_content js_underline_content" id="js_content" style="visibility: hidden;">
<section data-role="outer">
{_body_markup(body_items)}
</section>
</div>
<div class="rich_media_tool" id="js_toobar3"><a id="js_read_area3">阅读</a> <span>在看</span> <span>分享</span></div>
<div class="qr_code_pc"><img class="qr_code_pc_img" src="/mp/qrcode?scene=10000004"><p>微信扫一扫<br>关注该公众号</p></div>
</div></div>
</body></html>"""


SEED_WECHAT_HTML = wechat_page(SEED_TITLE, SEED_ACCOUNT, SEED_BODY)
